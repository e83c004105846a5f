"""Who decides what Baton publishes as open contracting data, and who sees those decisions.

- Procurement leads see every procedure's publication state and decide: publish, withdraw (with a reason).
- Auditors read the publication page and the packages and change nothing.
- Everyone else: the publication pages do not exist for them (404 on a procedure, 403 on the list).
The published packages themselves are public to any API token with read scope (contracts.ocds.api).
"""

from awards.models import AwardProcedure
from procurement import authz
from procurement.accounts.roles import Role, has_role
from procurement.authz import EVERY_OBJECT, Action, holds_role

LEADS_DECIDE = "Only a procurement lead decides what Baton publishes as open contracting data."
LEADS_AND_AUDITORS = "Only procurement leads and auditors see what Baton publishes as open contracting data."


class PublicationPolicy(authz.ObjectPolicy):
    model = AwardProcedure
    view_codename = None
    actions = {
        "publish": Action(holds_role(Role.PROCUREMENT_LEAD, refusal=LEADS_DECIDE)),
        "withdraw": Action(holds_role(Role.PROCUREMENT_LEAD, refusal=LEADS_DECIDE)),
    }

    def related(self, user):
        return EVERY_OBJECT if has_role(user, Role.PROCUREMENT_LEAD) else None


publication_policy = PublicationPolicy()
