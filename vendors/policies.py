"""Who sees and changes vendors (and everything hanging off a vendor: evidence, attestations, risks...).

- Procurement leads run the registry: they see every vendor and create, edit, tier, override and review.
- Everyone else sees a vendor only when involved: its owner, a user who owns one of its risks, or a user or
  group granted `view_vendor` on that vendor (guardian direct-FK rows VendorUser/GroupObjectPermission).
- Auditors read everything and change nothing; inactive users see nothing.
- Accepting a residual risk follows vendors.risk.ACCEPTANCE_MATRIX (checked in the service).
- "follow_up": the vendors on which the person has an open follow-up task assigned to them (the home panel
  "Vendor follow-ups assigned to you" and the navigation's count are built from it).
Child records (evidence, attestations, risks, contacts, subprocessors) are authorised through their vendor.
Every action answers `can`, `refusal` and `actionable` (procurement.authz).

The vendor's own contacts (issue 20: bidder users, reaching only the portal) are not internal people: for
`vendor_policy` they see nothing. `vendor_portal_policy` is their separate, narrower door: an active bidder user
whose VendorContact.account ties them to the vendor "sees" only that vendor, and may only send tiering answers
("self_report") and upload evidence ("upload_evidence", recorded as vendor self-reported: the evidence service
refuses any other source from a bidder). Nothing else: no review, no risks, no notes, no other vendor.
"""

from django.db.models import Exists, OuterRef, Q

from procurement import authz
from procurement.accounts.roles import Role, has_role
from procurement.authz import Action, holds_role, when
from vendors.models import Vendor, VendorContact, VendorTask

lead_only = authz.role_required(Role.PROCUREMENT_LEAD)


def _lead_action() -> Action:
    return Action(holds_role(Role.PROCUREMENT_LEAD), implies_view=True)  # leads see every vendor


def _open_tasks(user):
    return VendorTask.objects.filter(assignee=user, status=VendorTask.Status.OPEN)


class VendorPolicy(authz.ObjectPolicy):
    model = Vendor
    view_codename = "view_vendor"
    actions = {
        "create": _lead_action(),
        "edit": _lead_action(),
        "tier": _lead_action(),
        "override_tier": _lead_action(),
        "upload_evidence": _lead_action(),
        "review_evidence": _lead_action(),
        "manage_risks": _lead_action(),
        # a committee approver may accept a risk on a vendor they can see (the matrix decides the level)
        "accept_risk": Action(holds_role(Role.PROCUREMENT_LEAD, Role.COMMITTEE_APPROVER)),
        "grant": _lead_action(),
        "import": _lead_action(),
        "record_trigger": _lead_action(),
        "manage_tasks": _lead_action(),
        "follow_up": Action(when(lambda user, vendor: _open_tasks(user).filter(vendor=vendor).exists(),
                                 lambda user: Q(Exists(_open_tasks(user).filter(vendor=OuterRef("pk")))),
                                 "No open follow-up on this vendor is assigned to you.")),
    }

    def related(self, user) -> Q:
        if has_role(user, Role.PROCUREMENT_LEAD):
            return Q(pk__isnull=False)  # not Q(): an empty Q vanishes when OR-ed with the guardian grants
        return Q(owner=user) | Q(risks__owner=user)


vendor_policy = VendorPolicy()


def open_follow_ups(user):
    """Open follow-ups assigned to `user` on the vendors where "follow_up" is actionable, soonest due first."""
    return (_open_tasks(user).filter(vendor__in=vendor_policy.actionable(user, "follow_up").values("pk"))
            .select_related("vendor").order_by("due_on", "pk"))


# --- the vendor's own contacts (issue 20: the bidders' portal) -------------------------------------------------


def is_bidder_user(user) -> bool:
    """An active, signed-in user of kind "bidder" (a vendor's contact), never staff."""
    return bool(getattr(user, "is_authenticated", False) and user.is_active and getattr(user, "is_bidder", False))


def is_bidder_contact_of(user, vendor) -> bool:
    """The rule of the vendors layer (it knows nothing of bids): an active bidder user whose contact record
    (VendorContact.account) belongs to `vendor`."""
    return (vendor is not None and is_bidder_user(user)
            and VendorContact.objects.filter(account=user, vendor_id=vendor.pk).exists())


def _own_vendor_scope(user) -> Q | None:
    return Q(contacts__account=user) if is_bidder_user(user) else None


def _contact_action() -> Action:
    return Action(when(is_bidder_contact_of, _own_vendor_scope, "Only the vendor's own contacts may do this."),
                  implies_view=True)


class VendorPortalPolicy(authz.ObjectPolicy):
    """What a vendor's contact may do about their own vendor through the portal; see the module docstring."""

    model = Vendor
    view_codename = None  # guardian grants never open the portal's door
    actions = {
        "self_report": _contact_action(),
        "upload_evidence": _contact_action(),
    }

    def sees_everything(self, user) -> bool:
        return False  # not even auditors or superusers: they read the internal pages, not the portal

    def related(self, user) -> Q | None:
        return _own_vendor_scope(user)


vendor_portal_policy = VendorPortalPolicy()
