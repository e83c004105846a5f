"""Who sees and works on contracts.

- The contract team (each seat) gets object permissions on that contract only (guardian direct-FK rows):
  `view_contract` to see it and `negotiate_contract` to work on clauses, feedback, scenarios and issues.
- Procurement leads see every contract and decide: open, edit, staff, move status, escalate, concede.
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
    }

    def related(self, user):
        from django.db.models import Q

        if has_role(user, Role.PROCUREMENT_LEAD):
            return Q(pk__isnull=False)
        return None


contract_policy = ContractPolicy()
