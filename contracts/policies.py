"""Who sees and works on contracts.

- The contract team (each seat) gets object permissions on that contract only (guardian direct-FK rows):
  `view_contract` to see it and `negotiate_contract` to work on clauses, feedback, scenarios and issues.
- Procurement leads see every contract and decide: open, edit, staff, move status, escalate, concede.
- Our clause positions (target, fallback, walk-away) and a clause's status are the negotiation side's (a
  procurement lead); the post-award manager and the rest of the team comment and record the vendor's position.
- Post-award: the post-award manager (or a lead) manages milestones, invoices, KPIs, check-ins and the exit;
  any team member raises change orders and records incidents; only the person in the seat the RACI marks
  Accountable for change orders may approve or reject them, and likewise for approving payments (not even a
  lead otherwise). When BATON_PAYMENT_SEGREGATION is on (the default), recording, approving and paying an
  invoice are three different people (`payment_step_refusal`).
- Auditors read everything and change nothing; everyone else gets 404.
Child records are authorised through their contract.

Every action answers `can`, `refusal` and `actionable` (procurement.authz); the home panels, the change-order
and handoff-pack notices are built from `actionable`.
"""

from django.db.models import Exists, OuterRef, Q
from guardian.shortcuts import get_perms

from contracts.models import Contract
from contracts.models.contract import TEAM_FIELDS
from procurement import authz
from procurement.accounts.roles import Role, has_role
from procurement.authz import EVERY_OBJECT, Action, holds_role, when

lead_only = authz.role_required(Role.PROCUREMENT_LEAD)


def _team_member(user, contract=None) -> bool:
    if user.is_superuser or has_role(user, Role.PROCUREMENT_LEAD):
        return True
    if contract is None:
        return False
    return "negotiate_contract" in get_perms(user, contract)


def _post_award_manager(user, contract=None) -> bool:
    return contract is not None and contract.post_award_manager_id == user.pk


def _manages(user, contract=None) -> bool:
    """Post-award records (milestone acceptance, invoices, KPIs, check-ins, exit): the post-award manager or a
    procurement lead."""
    return user.is_superuser or has_role(user, Role.PROCUREMENT_LEAD) or _post_award_manager(user, contract)


def accountable_seat(contract, activity_name: str) -> str | None:
    """The team seat the RACI marks Accountable (A) for the named activity, or None."""
    for activity in contract.raci_activities.all():
        if activity.name.strip().lower() == activity_name.strip().lower():
            for cell in activity.assignments.all():
                if cell.code == "A":
                    return cell.party
    return None


def accountable_user(contract, activity_name: str):
    seat = accountable_seat(contract, activity_name)
    if seat is None or seat == "vendor":
        return None
    return getattr(contract, seat, None)


def _holds_accountable_seat(activity_name: str):
    """The row test "the user sits in the seat the RACI marks Accountable for `activity_name`"."""

    def test(user, contract=None) -> bool:
        if contract is None:
            return False
        holder = accountable_user(contract, activity_name)
        return holder is not None and holder.pk == user.pk

    return test


def _accountable_seat_scope(activity_name: str):
    """The same rule as a filter: contracts on which the user sits in that Accountable seat."""

    def scope(user):
        from contracts.models import RaciAssignment

        condition = None
        for seat in TEAM_FIELDS:
            accountable = RaciAssignment.objects.filter(activity__contract=OuterRef("pk"), code="A", party=seat,
                                                        activity__name__iexact=activity_name)
            here = Q(**{seat: user}) & Q(Exists(accountable))
            condition = here if condition is None else condition | here
        return condition

    return scope


def _approves_change_orders(user, contract=None) -> bool:
    from contracts.playbook import CHANGE_ORDER_ACTIVITY

    return _holds_accountable_seat(CHANGE_ORDER_ACTIVITY)(user, contract)


def _approves_payments(user, contract=None) -> bool:
    from contracts.playbook import PAYMENT_APPROVAL_ACTIVITY

    return _holds_accountable_seat(PAYMENT_APPROVAL_ACTIVITY)(user, contract)


def _team_scope(user):
    """Contracts on which the user holds `negotiate_contract`, granted to them or to one of their groups (the
    guardian rows `get_perms` reads, as subqueries: no content-type look-up, no extra query)."""
    from contracts.models.contract import ContractGroupObjectPermission, ContractUserObjectPermission

    if user.is_superuser or has_role(user, Role.PROCUREMENT_LEAD):
        return EVERY_OBJECT
    perm = {"permission__codename": "negotiate_contract", "permission__content_type__app_label": "contracts"}
    return (Q(Exists(ContractUserObjectPermission.objects.filter(content_object=OuterRef("pk"), user=user, **perm)))
            | Q(Exists(ContractGroupObjectPermission.objects.filter(content_object=OuterRef("pk"),
                                                                    group__user=user, **perm))))


def _manages_scope(user):
    if user.is_superuser or has_role(user, Role.PROCUREMENT_LEAD):
        return EVERY_OBJECT
    return Q(post_award_manager=user)


def _approves_change_orders_scope(user):
    """Contracts on which the user sits in the seat the RACI marks Accountable for change orders."""
    from contracts.playbook import CHANGE_ORDER_ACTIVITY

    return _accountable_seat_scope(CHANGE_ORDER_ACTIVITY)(user)


def _approves_payments_scope(user):
    """Contracts on which the user sits in the seat the RACI marks Accountable for approving payments."""
    from contracts.playbook import PAYMENT_APPROVAL_ACTIVITY

    return _accountable_seat_scope(PAYMENT_APPROVAL_ACTIVITY)(user)


def payment_segregation_enabled() -> bool:
    """The organisation's policy: recording, approving and paying an invoice are three people (default on)."""
    from django.conf import settings

    return bool(getattr(settings, "BATON_PAYMENT_SEGREGATION", True))


def payment_step_refusal(user, invoice, step: str) -> str | None:
    """Segregation of duties on one invoice, when the policy asks for it: the person who recorded it does not
    approve it, and neither the recorder nor the approver records its payment. None when the step is allowed."""
    if not payment_segregation_enabled():
        return None
    if step == "approve" and invoice.recorded_by_id == user.pk:
        return (f"You recorded invoice {invoice.number}; someone else must approve it (recording, approving and "
                "paying an invoice are done by three different people).")
    if step == "pay" and user.pk in (invoice.recorded_by_id, invoice.approved_by_id):
        did = "recorded" if invoice.recorded_by_id == user.pk else "approved"
        return (f"You {did} invoice {invoice.number}; its payment must be recorded by a different person "
                "(recording, approving and paying an invoice are done by three different people).")
    return None


TEAM_ONLY = "Only a member of this contract's team may do this."
POSITION_REFUSAL = ("Only the negotiation side (a procurement lead) sets our clause positions and moves a clause "
                    "through the negotiation; the post-award manager comments on clauses through feedback.")


class ContractPolicy(authz.ObjectPolicy):
    model = Contract
    view_codename = "view_contract"
    actions = {
        "create": Action(holds_role(Role.PROCUREMENT_LEAD)),
        # terms, team, status, kickoff, clause positions, RACI, checklist
        "edit": Action(holds_role(Role.PROCUREMENT_LEAD), implies_view=True),
        # escalate, concede, override unresolved feedback, waive
        "decide": Action(holds_role(Role.PROCUREMENT_LEAD), implies_view=True),
        # our target / fallback / walk-away positions and a clause's negotiation status: the negotiation side
        "position": Action(holds_role(Role.PROCUREMENT_LEAD, refusal=POSITION_REFUSAL), implies_view=True),
        # feedback, scenarios, issues, clause vendor position, actions
        "negotiate": Action(when(_team_member, _team_scope, TEAM_ONLY, needs_object=False)),
        "request_pack": Action(when(_team_member, _team_scope, TEAM_ONLY, needs_object=False)),
        "acknowledge_pack": Action(
            when(_post_award_manager, lambda user: Q(post_award_manager=user),
                 "Only the contract's post-award manager acknowledges its handoff pack."),
            implies_view=True),
        # post-award records: milestones, invoices, KPIs, check-ins, exit
        "manage": Action(when(_manages, _manages_scope,
                              "Only the post-award manager or a procurement lead manages this contract.",
                              needs_object=False), implies_view=True),
        "report": Action(when(_team_member, _team_scope, TEAM_ONLY, needs_object=False)),  # change orders, incidents
        # only the person in the RACI's Accountable seat (not even a lead otherwise)
        "approve_change": Action(
            when(_approves_change_orders, _approves_change_orders_scope,
                 "Only the person the RACI marks Accountable for “Approve change orders” may decide change orders "
                 "on this contract."),
            implies_view=True),
        # only the person in the RACI's Accountable seat for "Approve payments" (not even a lead otherwise)
        "approve_payment": Action(
            when(_approves_payments, _approves_payments_scope,
                 "Only the person the RACI marks Accountable for “Approve payments” may approve invoices on this "
                 "contract."),
            implies_view=True),
    }

    def related(self, user):
        if has_role(user, Role.PROCUREMENT_LEAD):
            return Q(pk__isnull=False)
        return None


contract_policy = ContractPolicy()


def managed_contracts(user):
    """Contracts the user runs after the award as their post-award manager (the post-award home panel)."""
    return contract_policy.actionable(user, "acknowledge_pack")
