"""Who sees and changes vendors (and everything hanging off a vendor: evidence, attestations, risks...).

- Procurement leads run the registry: they see every vendor and create, edit, tier, override and review.
- Everyone else sees a vendor only when involved: its owner, a user who owns one of its risks, or a user or
  group granted `view_vendor` on that vendor (guardian direct-FK rows VendorUser/GroupObjectPermission).
- Auditors read everything and change nothing; inactive users see nothing.
- Accepting a residual risk follows vendors.risk.ACCEPTANCE_MATRIX (checked in the service).
Child records (evidence, attestations, risks, contacts, subprocessors) are authorised through their vendor.
"""

from django.db.models import Q

from procurement import authz
from procurement.accounts.roles import Role, has_role
from vendors.models import Vendor

lead_only = authz.role_required(Role.PROCUREMENT_LEAD)


def _can_accept_risks(user, obj=None) -> bool:
    return user.is_superuser or has_role(user, Role.PROCUREMENT_LEAD, Role.COMMITTEE_APPROVER)


class VendorPolicy(authz.ObjectPolicy):
    model = Vendor
    view_codename = "view_vendor"
    rules = {
        "create": lead_only,
        "edit": lead_only,
        "tier": lead_only,
        "override_tier": lead_only,
        "upload_evidence": lead_only,
        "review_evidence": lead_only,
        "manage_risks": lead_only,
        "accept_risk": _can_accept_risks,
        "grant": lead_only,
        "import": lead_only,
        "record_trigger": lead_only,
        "manage_tasks": lead_only,
    }

    def related(self, user) -> Q:
        if has_role(user, Role.PROCUREMENT_LEAD):
            return Q(pk__isnull=False)  # not Q(): an empty Q vanishes when OR-ed with the guardian grants
        return Q(owner=user) | Q(risks__owner=user)


vendor_policy = VendorPolicy()
