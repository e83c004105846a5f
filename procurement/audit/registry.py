"""Which objects have a history page, and which policy decides who may read it.

Reading an object's history needs exactly the right to see the object: the history page answers 404 to
anyone its policy hides the object from. Policies are named by dotted path so the kernel imports no app.
"""

from importlib import import_module

from django.apps import apps
from django.http import Http404

AUDITABLE: dict[str, str] = {
    "vendors.vendor": "vendors.permissions.vendor_policy",
    "awards.awardprocedure": "awards.permissions.procedure_policy",
    "awards.bid": "awards.permissions.bid_policy",
    "awards.decisionmemo": "awards.permissions.memo_policy",
    "contracts.contract": "contracts.permissions.contract_policy",
}


def policy_for(label: str):
    """The ObjectPolicy guarding `label`'s history; 404 for anything not auditable here."""
    dotted = AUDITABLE.get(label)
    if dotted is None:
        raise Http404("No history page for this kind of record.")
    module_name, _, name = dotted.rpartition(".")
    try:
        policy = getattr(import_module(module_name), name)
        apps.get_model(label)
    except (ImportError, AttributeError, LookupError):
        raise Http404("No history page for this kind of record.") from None
    return policy
