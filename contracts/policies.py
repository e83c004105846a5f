"""Who sees and works on contracts.

- The contract team (each seat) gets object permissions on that contract only (guardian direct-FK rows):
  `view_contract` to see it and `negotiate_contract` to work on clauses, feedback, scenarios and issues.
- Procurement leads see every contract and decide: open, edit, staff, move status, escalate, concede.
- Post-award: the post-award manager (or a lead) manages milestones, invoices, KPIs, check-ins and the exit;
  any team member raises change orders and records incidents; only the person in the seat the RACI marks
  Accountable for change orders may approve or reject them (not even a lead otherwise).
- Auditors read everything and change nothing; everyone else gets 404.
Child records are authorised through their contract.
"""

from guardian.shortcuts import get_perms

from contracts.models import Contract
from procurement import authz
from procurement.accounts.roles import Role, has_role

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


def _approves_change_orders(user, contract=None) -> bool:
    from contracts.playbook import CHANGE_ORDER_ACTIVITY

    if contract is None:
        return False
    holder = accountable_user(contract, CHANGE_ORDER_ACTIVITY)
    return holder is not None and holder.pk == user.pk


class ContractPolicy(authz.ObjectPolicy):
    model = Contract
    view_codename = "view_contract"
    rules = {
        "create": lead_only,
        "edit": lead_only,          # terms, team, status, kickoff, clause positions, RACI, checklist
        "decide": lead_only,        # escalate, concede, override unresolved feedback, waive
        "negotiate": _team_member,  # feedback, scenarios, issues, clause vendor position, actions
        "request_pack": _team_member,
        "acknowledge_pack": _post_award_manager,
        "manage": _manages,              # post-award records: milestones, invoices, KPIs, check-ins, exit
        "report": _team_member,          # raise change orders, record incidents
        "approve_change": _approves_change_orders,  # only the person in the RACI's Accountable seat
    }

    def related(self, user):
        from django.db.models import Q

        if has_role(user, Role.PROCUREMENT_LEAD):
            return Q(pk__isnull=False)
        return None


contract_policy = ContractPolicy()
