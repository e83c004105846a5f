"""Importing vendors from a previewed spreadsheet, all or nothing."""

from django.core.exceptions import ValidationError
from django.db import transaction

from procurement import authz
from procurement.accounts.models import User
from vendors.models import Vendor
from vendors.policies import vendor_policy
from vendors.services.registry import vendor_create


@transaction.atomic
def vendors_import(*, actor, rows: list[dict], reason: str = "Imported from file") -> list[Vendor]:
    """Create every vendor of a previewed, clean file — all or nothing. Rows are re-validated here."""
    from vendors.importing import validate_row

    authz.require(actor, vendor_policy, "import")
    if not rows:
        raise ValidationError("There is nothing to import.")
    seen: set[str] = set()
    created = []
    for line, values in enumerate(rows, start=2):
        raw = {**values, "data_categories": ";".join(values.get("data_categories") or ()),
               "owner": ""}
        checked = validate_row(raw, line=line, actor=actor, seen=seen)
        if checked.errors:
            raise ValidationError(f"Row {line}: " + "; ".join(checked.errors))
        owner = User.objects.get(pk=values["owner_id"]) if values.get("owner_id") else actor
        created.append(vendor_create(
            actor=actor, legal_name=checked.values["legal_name"], trading_name=checked.values["trading_name"],
            website=checked.values["website"], country=checked.values["country"],
            offering_type=checked.values["offering_type"], ai_act_role=checked.values["ai_act_role"],
            data_categories=checked.values["data_categories"], description=checked.values["description"],
            owner=owner, reason=reason))
    return created
