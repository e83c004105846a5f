"""Who sees and does what in an award procedure.

Visibility (everyone else gets 404):
- the procedure's own procurement lead — sees and runs it;
- other procurement leads — see every procedure read-only (decision: leads cover for each other and review
  the portfolio; they cannot change a procedure they do not lead);
- the procedure's business owner — sees it, agrees its requirements;
- evaluators assigned to it (guardian object permission `view_awardprocedure` on that procedure only) — see
  the procedure, and a bid only once they declared for it with no conflict, or with a conflict the lead
  accepted; a recused evaluator, or one who has not declared, gets 404 on that bid;
- auditors — read everything, change nothing (kernel rule).
"""

from django.db.models import Q

from awards.models import AwardProcedure, Bid, ConflictDeclaration, Debrief, DecisionMemo
from procurement.accounts.roles import Role, has_role
from procurement.authz import ObjectPolicy, is_active_user


def _leads(user, procedure) -> bool:
    return user.is_superuser or (procedure is not None and procedure.lead_id == user.pk
                                 and has_role(user, Role.PROCUREMENT_LEAD))


def _owns(user, procedure) -> bool:
    return procedure is not None and procedure.business_owner_id == user.pk


def _sees_all_bids(user, procedure) -> bool:
    """Lead, other leads, business owner, auditors: every bid of a procedure they can see."""
    return (user.is_superuser or has_role(user, Role.PROCUREMENT_LEAD, Role.AUDITOR)
            or (procedure is not None and (procedure.lead_id == user.pk or _owns(user, procedure))))


class ProcedurePolicy(ObjectPolicy):
    model = AwardProcedure
    view_codename = "view_awardprocedure"
    rules = {
        "create": lambda user, obj=None: user.is_superuser or has_role(user, Role.PROCUREMENT_LEAD),
        "edit": _leads,
        "agree_requirements": lambda user, obj: _owns(user, obj) and obj.is_open,
        "declare": lambda user, obj: obj is not None and obj.assignments.filter(evaluator=user).exists(),
    }

    def related(self, user):
        if has_role(user, Role.PROCUREMENT_LEAD):
            return Q(pk__isnull=False)
        return Q(lead=user) | Q(business_owner=user)


class BidPolicy(ObjectPolicy):
    model = Bid
    rules = {
        "edit": lambda user, obj: obj is not None and _leads(user, obj.procedure),
    }

    def base_queryset(self):
        return Bid.objects.select_related("procedure", "vendor")

    def related(self, user):
        if has_role(user, Role.PROCUREMENT_LEAD):
            return Q(pk__isnull=False)
        cleared = ConflictDeclaration.objects.filter(
            assignment__evaluator=user, review__in=ConflictDeclaration.MAY_OPEN,
        ).values("bid_id")
        return Q(procedure__lead=user) | Q(procedure__business_owner=user) | Q(pk__in=cleared)


procedure_policy = ProcedurePolicy()
bid_policy = BidPolicy()


def sees_all_bids(user, procedure) -> bool:
    return is_active_user(user) and _sees_all_bids(user, procedure)


def sees_question_askers(user, procedure) -> bool:
    """Only the people who run or audit the procedure see who asked a question."""
    return is_active_user(user) and (user.is_superuser or has_role(user, Role.PROCUREMENT_LEAD, Role.AUDITOR)
                                     or procedure.lead_id == user.pk)


# --- decision memos and debriefs ------------------------------------------------------------------
# Who sees and acts on decision memos and debriefs.
#
# - The procedure's lead writes, edits and submits the memo; other leads and the business owner read it.
# - Members of a committee on one of the memo's routes read it (they have to, to sign it) and sign while the
#   route is open — never the author, never an evaluator recused from the recommended bid (the service checks).
# - Auditors read everything (kernel rule). Everyone else gets 404.
# - Debriefs: the lead edits them; whoever sees the procedure's results reads them. Committee members do not.


def _leads_memo(user, memo) -> bool:
    return user.is_superuser or (memo is not None and memo.procedure.lead_id == user.pk
                                 and has_role(user, Role.PROCUREMENT_LEAD))


def _on_open_route(user, memo) -> bool:
    return memo is not None and memo.routes.filter(status="open", steps__committee__members=user).exists()


class MemoPolicy(ObjectPolicy):
    model = DecisionMemo
    rules = {
        "edit": _leads_memo,
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
    rules = {"edit": lambda user, debrief: debrief is not None and _leads_memo(user, debrief.memo)}

    def base_queryset(self):
        return Debrief.objects.select_related("memo__procedure", "bid__vendor")

    def related(self, user):
        if has_role(user, Role.PROCUREMENT_LEAD):
            return Q(pk__isnull=False)
        return Q(memo__procedure__lead=user) | Q(memo__procedure__business_owner=user)


memo_policy = MemoPolicy()
debrief_policy = DebriefPolicy()
