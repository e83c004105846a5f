"""Who sees and acts on decision memos and debriefs.

- The procedure's lead writes, edits and submits the memo; other leads and the business owner read it.
- Members of a committee on one of the memo's routes read it (they have to, to sign it) and sign while the
  route is open — never the author, never an evaluator recused from the recommended bid (the service checks).
- Auditors read everything (kernel rule). Everyone else gets 404.
- Debriefs: the lead edits them; whoever sees the procedure's results reads them. Committee members do not.
"""

from django.db.models import Q

from awards.models import Debrief, DecisionMemo
from procurement.accounts.roles import Role, has_role
from procurement.authz import ObjectPolicy


def _leads(user, memo) -> bool:
    return user.is_superuser or (memo is not None and memo.procedure.lead_id == user.pk
                                 and has_role(user, Role.PROCUREMENT_LEAD))


def _on_open_route(user, memo) -> bool:
    return memo is not None and memo.routes.filter(status="open", steps__committee__members=user).exists()


class MemoPolicy(ObjectPolicy):
    model = DecisionMemo
    rules = {
        "edit": _leads,
        "sign": lambda user, memo: _on_open_route(user, memo) and memo.author_id != user.pk,
    }

    def base_queryset(self):
        return DecisionMemo.objects.select_related("procedure", "author", "recommended_bid__vendor")

    def related(self, user):
        if has_role(user, Role.PROCUREMENT_LEAD):
            return Q(pk__isnull=False)
        return (Q(procedure__lead=user) | Q(procedure__business_owner=user)
                | Q(routes__steps__committee__members=user))


class DebriefPolicy(ObjectPolicy):
    model = Debrief
    rules = {"edit": lambda user, debrief: debrief is not None and _leads(user, debrief.memo)}

    def base_queryset(self):
        return Debrief.objects.select_related("memo__procedure", "bid__vendor")

    def related(self, user):
        if has_role(user, Role.PROCUREMENT_LEAD):
            return Q(pk__isnull=False)
        return Q(memo__procedure__lead=user) | Q(memo__procedure__business_owner=user)


memo_policy = MemoPolicy()
debrief_policy = DebriefPolicy()


def _expose_to_the_audit_trail() -> None:
    """The audit-trail registry (procurement.audit.registry.AUDITABLE) finds the memo's policy under
    awards.permissions.memo_policy; offer ours there unless awards.permissions defines its own."""
    import awards.permissions

    if not hasattr(awards.permissions, "memo_policy"):
        awards.permissions.memo_policy = memo_policy


_expose_to_the_audit_trail()
