"""Which objects have a history page, which policy decides who may read it, and which related records fold
into one merged timeline.

The apps declare their audited models, policies and timeline parts (`Contributions.audited`, the parts in
`<app>/audit.py`); the kernel knows them only through the collected registry. Reading an object's history
needs exactly the right to see the object: the history page answers 404 to anyone its policy hides the
object from. Policies and gates are named by dotted path, resolved lazily.

A merged timeline (an award procedure, a decision memo, a contract) lists the history rows of the root and of
each `Part`: rows are selected by a lookup from the part's history table to the root's primary key (one query
per part). A part may be narrowed to what the reader can see (`policy` + `policy_lookup`: the rows whose
related object is in the policy's visible queryset, as a subquery) or hidden entirely unless a `gate` allows
it (e.g. scores, which stay hidden until scoring has closed).
"""

from dataclasses import dataclass, field

from django.apps import apps
from django.http import Http404

from procurement.contributions import collect, resolve


@dataclass(frozen=True)
class Part:
    label: str  # the part's model, e.g. "awards.score"
    lookup: str  # from the part's history table to the root's primary key, e.g. "sheet__scorecard__procedure_id"
    policy: str = ""  # dotted path of an ObjectPolicy narrowing the rows to what the reader sees...
    policy_lookup: str = ""  # ...through this lookup to that policy's model's primary key
    gate: str = ""  # dotted path of a function (user, root) -> bool; False hides the whole part
    content_type_of: str = ""  # for rendered documents: the label of their source model (generic relation)
    subject: tuple[str, ...] = ()  # fields naming one record of the part in the timeline
    labels: dict[str, str] = field(default_factory=dict)  # field name -> label shown instead of its verbose name


def auditable() -> dict[str, str]:
    """label -> dotted name of the policy guarding its history, for every model the apps declare audited
    (`Contributions.audited`)."""
    return {label: model.policy for label, model in collect().audited.items()}


def merged() -> dict[str, tuple[Part, ...]]:
    """label -> the parts its merged timeline folds in, for every audited model that declares parts."""
    return {label: tuple(resolve(model.parts)) for label, model in collect().audited.items() if model.parts}


def notice(user, obj) -> str:
    """The sentence the owning app shows above `obj`'s history (why some parts are not listed yet), or ""."""
    model = collect().audited.get(obj._meta.label_lower)
    return resolve(model.notice)(user, obj) if model is not None and model.notice else ""


def parts_for(label: str) -> tuple[Part, ...]:
    """The parts of `label`'s merged timeline that exist in this installation (apps may be absent)."""
    found = []
    for part in merged().get(label, ()):
        try:
            apps.get_model(part.label)
        except LookupError:
            continue
        found.append(part)
    return tuple(found)


def policy_for(label: str):
    """The ObjectPolicy guarding `label`'s history; 404 for anything not auditable here."""
    dotted = auditable().get(label)
    if dotted is None:
        raise Http404("No history page for this kind of record.")
    try:
        policy = resolve(dotted)
        apps.get_model(label)
    except (ImportError, AttributeError, LookupError):
        raise Http404("No history page for this kind of record.") from None
    return policy
