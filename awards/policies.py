"""Who sees and does what in an award procedure — the only home of these rules.

Visibility (everyone else gets 404):
- the procedure's own procurement lead — sees and runs it;
- other procurement leads — see every procedure read-only (decision: leads cover for each other and review
  the portfolio; they cannot change a procedure they do not lead);
- the procedure's business owner — sees it, agrees its requirements;
- evaluators assigned to it (guardian object permission `view_awardprocedure` on that procedure only) — see
  the procedure, and a bid only once they declared for it with no conflict, or with a conflict the lead
  accepted; a recused evaluator, or one who has not declared, gets 404 on that bid;
- auditors — read everything, change nothing (kernel rule).

Actions whose queues people see (each answers `can`, `refusal` and `actionable`, procurement.authz):
- procedure "declare": an evaluator (role) assigned to the open procedure who still owes a conflict declaration
  for a bid that was not declined — "Conflict declarations you owe";
- procedure "score": an evaluator (role) assigned to the procedure while it is in Evaluation, whose score sheet is
  not submitted, and who is not recused from every bid under evaluation — "Scores to submit";
- procedure "agree_requirements": the business owner (role) while the requirements may still change (Draft,
  Requirements) and one of them awaits agreement — "Requirements awaiting your agreement";
- memo "sign": see MemoPolicy — "Decision memos waiting for your sign-off", and who is told a memo was routed.

Reading the evaluators' reasons (issue 17, finding 5): procedure "read_rationales" (the lead, once scoring has
closed), memo "read_rationales" (the approvers on one of the memo's committees), and auditors (named in
`reads_rationales`, because the kernel answers auditors "view" only). `reads_rationales` is the one question
every page that shows per-evaluator scores with their reasons asks.
"""

from django.db.models import Count, Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from awards.models import (
    ApprovalRoute,
    AwardProcedure,
    Bid,
    ConflictDeclaration,
    Debrief,
    DecisionMemo,
    EvaluatorAssignment,
    ProcedureTemplate,
    Requirement,
    RouteStep,
    SignOff,
    Waiver,
)
from awards.models.approval import Decision
from awards.models.memo import MemoStatus
from awards.models.procedure import Stage
from awards.models.scorecard import ScorecardTemplate, ScoreSheet
from procurement.accounts.roles import Role, has_role
from procurement.authz import EVERY_OBJECT, Action, ObjectPolicy, holds_role, is_active_user, when

OPEN_STAGES = tuple(s for s in Stage.values if s not in (Stage.AWARDED, Stage.CANCELLED))
REQUIREMENT_STAGES = (Stage.DRAFT, Stage.REQUIREMENTS)  # the requirements may change (and be agreed) only here
SCORING_STAGES = (Stage.EVALUATION,)
SCORABLE_STATUSES = (Bid.Status.SUBMITTED, Bid.Status.SHORTLISTED)  # as awards.results.SCORABLE_STATUSES


def _leads(user, procedure) -> bool:
    return user.is_superuser or (procedure is not None and procedure.lead_id == user.pk
                                 and has_role(user, Role.PROCUREMENT_LEAD))


def _leads_scope(path: str):
    """Q of the objects whose procedure (at `path`) the user leads: superusers all, leads their own."""

    def scope(user):
        if user.is_superuser:
            return EVERY_OBJECT
        if has_role(user, Role.PROCUREMENT_LEAD):
            return Q(**{f"{path}lead": user})
        return None

    return scope


def _owns(user, procedure) -> bool:
    return procedure is not None and procedure.business_owner_id == user.pk


def _sees_all_bids(user, procedure) -> bool:
    """Lead, other leads, business owner, auditors: every bid of a procedure they can see."""
    return (user.is_superuser or has_role(user, Role.PROCUREMENT_LEAD, Role.AUDITOR)
            or (procedure is not None and (procedure.lead_id == user.pk or _owns(user, procedure))))


# --- the row predicates and their querysets, side by side ---------------------------------------------------------

def _assigned(user) -> Exists:
    return Exists(EvaluatorAssignment.objects.filter(procedure=OuterRef("pk"), evaluator=user))


def _owed_bids(user):
    """Bids (of any procedure) for which the user owes a conflict declaration, given they are assigned to it."""
    declared = ConflictDeclaration.objects.filter(bid=OuterRef("pk"), assignment__evaluator=user)
    return Bid.objects.exclude(status=Bid.Status.DECLINED).exclude(Exists(declared))


def owed_declarations(user):
    """The bids behind "Conflict declarations you owe": those of the procedures where `declare` is actionable."""
    return _owed_bids(user).filter(procedure__in=procedure_policy.actionable(user, "declare").values("pk"))


def _scorable_bids():
    """Admitted bids under evaluation (Bid.is_admitted and awards.results.SCORABLE_STATUSES, as a query)."""
    return Bid.objects.filter(submitted_at__isnull=False, status__in=SCORABLE_STATUSES,
                              late_decision__in=("", Bid.LateDecision.ADMITTED))


def _not_recused_bids(user):
    recused = ConflictDeclaration.objects.filter(bid=OuterRef("pk"), assignment__evaluator=user,
                                                 review=ConflictDeclaration.Review.RECUSED)
    return _scorable_bids().exclude(Exists(recused))


def _sheet_submitted(user):
    return ScoreSheet.objects.filter(scorecard__procedure=OuterRef("pk"), evaluator=user, submitted_at__isnull=False)


def _pending_requirements():
    return Requirement.objects.filter(procedure=OuterRef("pk"), agreed_at__isnull=True)


# Scoring has closed when the procedure moved past Evaluation, or, in Evaluation, once every assigned evaluator has
# submitted their sheet (a sheet the lead reopens opens scoring again). Before that, nobody reads another person's
# reasons: an evaluator still scoring must not learn them second-hand.
SCORING_CLOSED_STAGES = (Stage.SHORTLIST, Stage.AWARDED, Stage.CANCELLED)
SCORING_NOT_CLOSED = ("The evaluators' reasons are shown once scoring has closed: every evaluator must have "
                      "submitted their scores.")


def _still_scoring(procedure_ref):
    """Assignments of the procedure whose evaluator has not submitted a score sheet."""
    submitted = ScoreSheet.objects.filter(scorecard__procedure=OuterRef("procedure_id"),
                                          evaluator=OuterRef("evaluator_id"), submitted_at__isnull=False)
    return EvaluatorAssignment.objects.filter(procedure=procedure_ref).exclude(Exists(submitted))


def scoring_closed(procedure) -> bool:
    if procedure.stage in SCORING_CLOSED_STAGES:
        return True
    return procedure.stage == Stage.EVALUATION and not _still_scoring(procedure.pk).exists()


def _scoring_closed_scope(path: str):
    """scoring_closed as a filter, for the objects whose procedure is at `path` ("" or "procedure__")."""
    procedure_ref = path.removesuffix("__") or "pk"

    def scope(user):
        return (Q(**{f"{path}stage__in": SCORING_CLOSED_STAGES})
                | (Q(**{f"{path}stage": Stage.EVALUATION}) & ~Q(Exists(_still_scoring(OuterRef(procedure_ref))))))

    return scope


class ProcedurePolicy(ObjectPolicy):
    model = AwardProcedure
    view_codename = "view_awardprocedure"
    actions = {
        "create": Action(holds_role(Role.PROCUREMENT_LEAD)),
        "edit": Action(when(_leads, _leads_scope(""), needs_object=False)),
        "agree_requirements": Action(
            when(_owns, lambda user: Q(business_owner=user),
                 "Only the procedure's business owner agrees its requirements."),
            holds_role(Role.BUSINESS_OWNER, superuser=False,
                       refusal="Agreeing requirements needs the business owner role."),
            when(lambda user, p: p.stage in REQUIREMENT_STAGES, lambda user: Q(stage__in=REQUIREMENT_STAGES),
                 "Requirements are agreed only while the procedure is in Draft or Requirements.", state=True),
            when(lambda user, p: p.requirements.filter(agreed_at__isnull=True).exists(),
                 lambda user: Q(Exists(_pending_requirements())),
                 "Every requirement of this procedure is already agreed.", state=True),
            implies_view=True,
        ),
        "declare": Action(
            when(lambda user, p: p.assignments.filter(evaluator=user).exists(), lambda user: Q(_assigned(user)),
                 "Only an evaluator assigned to this procedure declares conflicts of interest."),
            holds_role(Role.EVALUATOR, superuser=False, refusal="Declaring conflicts needs the evaluator role."),
            when(lambda user, p: p.stage in OPEN_STAGES, lambda user: Q(stage__in=OPEN_STAGES),
                 "This procedure is closed.", state=True),
            when(lambda user, p: _owed_bids(user).filter(procedure=p).exists(),
                 lambda user: Q(Exists(_owed_bids(user).filter(procedure=OuterRef("pk")))),
                 "You have declared for every bid of this procedure.", state=True),
            implies_view=True,
        ),
        "score": Action(
            when(lambda user, p: p.assignments.filter(evaluator=user).exists(), lambda user: Q(_assigned(user)),
                 "Only an evaluator assigned to this procedure scores it."),
            holds_role(Role.EVALUATOR, superuser=False, refusal="Scoring needs the evaluator role."),
            when(lambda user, p: p.stage in SCORING_STAGES, lambda user: Q(stage__in=SCORING_STAGES),
                 "Bids are scored only while the procedure is in Evaluation.", state=True),
            when(lambda user, p: not ScoreSheet.objects.filter(scorecard__procedure=p, evaluator=user,
                                                               submitted_at__isnull=False).exists(),
                 lambda user: ~Q(Exists(_sheet_submitted(user))),
                 "You have submitted your scores; the procurement lead may reopen your sheet.", state=True),
            when(lambda user, p: _not_recused_bids(user).filter(procedure=p).exists(),
                 lambda user: Q(Exists(_not_recused_bids(user).filter(procedure=OuterRef("pk")))),
                 "No bid under evaluation is yours to score (you are recused from every one)."),
            implies_view=True,
        ),
        "read_rationales": Action(
            when(_leads, _leads_scope(""),
                 "Only the procedure's lead, auditors and the approvers of its memo read the evaluators' reasons."),
            when(lambda user, p: scoring_closed(p), _scoring_closed_scope(""), SCORING_NOT_CLOSED, state=True),
        ),
    }

    def related(self, user):
        if has_role(user, Role.PROCUREMENT_LEAD):
            return Q(pk__isnull=False)
        return Q(lead=user) | Q(business_owner=user)


class BidPolicy(ObjectPolicy):
    model = Bid
    actions = {
        "edit": Action(when(lambda user, bid: _leads(user, bid.procedure), _leads_scope("procedure__"))),
    }

    def base_queryset(self):
        return Bid.objects.select_related("procedure", "vendor")

    def related(self, user):
        if has_role(user, Role.PROCUREMENT_LEAD):
            return Q(pk__isnull=False)
        # An evaluator taken off the procedure (issue 21: unassigned) opens none of its bids any more.
        cleared = ConflictDeclaration.objects.filter(
            assignment__evaluator=user, assignment__unassigned_at__isnull=True,
            review__in=ConflictDeclaration.MAY_OPEN,
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


def scores_owed(user):
    """The procedures behind "Scores to submit"."""
    return procedure_policy.actionable(user, "score")


# --- decision memos and debriefs ------------------------------------------------------------------
# Who sees and acts on decision memos and debriefs.
#
# - The procedure's lead writes, edits and submits the memo; other leads and the business owner read it.
# - Members of a committee on one of the memo's routes read it (they have to, to sign it).
# - "sign" (the only rule of who signs: awards.services.approval.signoff_refusal asks it): the memo is in
#   approval; the user holds the committee approver role, did not write the memo, sits on a committee of its
#   open route whose step still needs approvals (quorum not reached), has no declared conflict with the
#   recommended bid (recused or not: a conflicted evaluator does not approve the award to that bid), and has
#   not already signed this route. A signature counts for the committee(s) the sign-off form names: with
#   BATON_SIGNOFF_ONE_COMMITTEE_PER_PERSON (default True) one committee, chosen by a person who sits on several
#   (awards.services.approval.signature_counts_for), so a person who signed for one committee of the route is
#   never asked again for another and each committee's quorum is met by distinct people (counted_signoffs);
#   with it False, one signature counts for each of the person's committees still short of quorum.
# - Auditors read everything (kernel rule). Everyone else gets 404.
# - Debriefs: the lead edits them; whoever sees the procedure's results reads them. Committee members do not.


def _leads_memo(user, memo) -> bool:
    return user.is_superuser or (memo is not None and memo.procedure.lead_id == user.pk
                                 and has_role(user, Role.PROCUREMENT_LEAD))


def _my_open_steps(user, memo_ref):
    """The open route's steps the person holds a seat on: the membership recorded on each step when the route
    opened (the committees version the procedure pinned), never the committee's live members."""
    return RouteStep.objects.filter(route__memo=memo_ref, route__status=ApprovalRoute.Status.OPEN, members=user)


def one_committee_per_person() -> bool:
    """Whether one person's signature counts for one committee of a route only (setting
    BATON_SIGNOFF_ONE_COMMITTEE_PER_PERSON, default True): a person on several committees of the route chooses
    one, and each committee's quorum is met by distinct people. False: one signature counts for each of the
    person's committees on the route, and the sign-off form says so."""
    from django.conf import settings

    return bool(getattr(settings, "BATON_SIGNOFF_ONE_COMMITTEE_PER_PERSON", True))


def counted_signoffs(signoffs):
    """The sign-offs (a SignOff queryset) that count towards a committee's quorum. With one committee per person,
    a signer's sign-off counts only on the first committee they signed for on the route (a second row, left by
    data written under the other setting, counts nowhere)."""
    if not one_committee_per_person():
        return signoffs
    earlier_elsewhere = SignOff.objects.filter(route=OuterRef("route"), signer=OuterRef("signer"),
                                               pk__lt=OuterRef("pk")).exclude(step=OuterRef("step"))
    return signoffs.exclude(Exists(earlier_elsewhere))


def _steps_needing_approval(user, memo_ref):
    approvals = (counted_signoffs(SignOff.objects.filter(step=OuterRef("pk"), decision=Decision.APPROVE))
                 .order_by().values("step").annotate(n=Count("pk")).values("n"))
    return (_my_open_steps(user, memo_ref)
            .annotate(approvals=Coalesce(Subquery(approvals), 0))
            .filter(approvals__lt=F("quorum")))


def _conflicts_on_recommended(user, bid_ref):
    return ConflictDeclaration.objects.filter(bid=bid_ref, assignment__evaluator=user, has_conflict=True)


def _on_memo_committee(user, memo_ref):
    return RouteStep.objects.filter(route__memo=memo_ref, members=user)


def _conflicted_in_procedure(user, procedure_ref):
    return ConflictDeclaration.objects.filter(bid__procedure=procedure_ref, assignment__evaluator=user,
                                              has_conflict=True)


def _signed_open_route(user, memo_ref):
    return SignOff.objects.filter(route__memo=memo_ref, route__status=ApprovalRoute.Status.OPEN, signer=user)


def _conflict_sentence(user, memo) -> str:
    recused = _conflicts_on_recommended(user, memo.recommended_bid_id).filter(
        review=ConflictDeclaration.Review.RECUSED).exists()
    if recused:
        return "You were recused from the recommended bid, so you cannot sign this memo."
    return "You declared a conflict of interest with the recommended bid, so you cannot sign this memo."


NOT_WAITING = "This memo is not waiting for sign-off."


class MemoPolicy(ObjectPolicy):
    model = DecisionMemo
    actions = {
        "edit": Action(when(_leads_memo, _leads_scope("procedure__"), needs_object=False)),
        "sign": Action(
            when(lambda user, memo: memo.status == MemoStatus.IN_APPROVAL,
                 lambda user: Q(status=MemoStatus.IN_APPROVAL), NOT_WAITING, state=True),
            when(lambda user, memo: memo.author_id != user.pk, lambda user: ~Q(author=user),
                 "You wrote this memo, so you cannot sign it."),
            when(lambda user, memo: _my_open_steps(user, memo).exists(),
                 lambda user: Q(Exists(_my_open_steps(user, OuterRef("pk")))),
                 "You are not a member of a committee on this memo's route."),
            holds_role(Role.COMMITTEE_APPROVER, superuser=False,
                       refusal="Signing a memo needs the committee approver role."),
            when(lambda user, memo: not (memo.recommended_bid_id
                                         and _conflicts_on_recommended(user, memo.recommended_bid_id).exists()),
                 lambda user: ~Q(Exists(_conflicts_on_recommended(user, OuterRef("recommended_bid")))),
                 _conflict_sentence),
            when(lambda user, memo: not _signed_open_route(user, memo).exists(),
                 lambda user: ~Q(Exists(_signed_open_route(user, OuterRef("pk")))),
                 "You have already signed this version.", state=True),
            when(lambda user, memo: _steps_needing_approval(user, memo).exists(),
                 lambda user: Q(Exists(_steps_needing_approval(user, OuterRef("pk")))),
                 "Your committee has already reached its quorum on this route; your sign-off is not needed.",
                 state=True),
            implies_view=True,
        ),
        # The approvers read the reasons behind the scores they are asked to stand behind; one who declared a
        # conflict with any bid of the procedure does not (the reasons compare that bid with its competitors).
        "read_rationales": Action(
            holds_role(Role.COMMITTEE_APPROVER, superuser=False,
                       refusal="Only the procedure's lead, auditors and the approvers of its memo read the "
                               "evaluators' reasons."),
            when(lambda user, memo: _on_memo_committee(user, memo).exists(),
                 lambda user: Q(Exists(_on_memo_committee(user, OuterRef("pk")))),
                 "You are not a member of a committee on this memo's route."),
            when(lambda user, memo: not _conflicted_in_procedure(user, memo.procedure_id).exists(),
                 lambda user: ~Q(Exists(_conflicted_in_procedure(user, OuterRef("procedure")))),
                 "You declared a conflict of interest in this procedure, so the evaluators' reasons are not "
                 "shown to you."),
            when(lambda user, memo: scoring_closed(memo.procedure), _scoring_closed_scope("procedure__"),
                 SCORING_NOT_CLOSED, state=True),
            implies_view=True,
        ),
    }

    def base_queryset(self):
        return DecisionMemo.objects.select_related("procedure", "author", "recommended_bid__vendor")

    def related(self, user):
        if has_role(user, Role.PROCUREMENT_LEAD):
            return Q(pk__isnull=False)
        return (Q(procedure__lead=user) | Q(procedure__business_owner=user)
                | Q(routes__steps__members=user))


class DebriefPolicy(ObjectPolicy):
    model = Debrief
    actions = {"edit": Action(when(lambda user, debrief: _leads_memo(user, debrief.memo),
                                   _leads_scope("memo__procedure__")))}

    def base_queryset(self):
        return Debrief.objects.select_related("memo__procedure", "bid__vendor")

    def related(self, user):
        if has_role(user, Role.PROCUREMENT_LEAD):
            return Q(pk__isnull=False)
        return Q(memo__procedure__lead=user) | Q(memo__procedure__business_owner=user)


memo_policy = MemoPolicy()
debrief_policy = DebriefPolicy()


def reads_rationales(user, procedure, memo=None) -> bool:
    """May the person read every evaluator's submitted scores with their reasons (issue 17, finding 5)? The lead
    and, on the memo's pages, its approvers (the actions "read_rationales"); auditors once scoring has closed."""
    if not is_active_user(user):
        return False
    if has_role(user, Role.AUDITOR) and not user.is_superuser:
        return scoring_closed(procedure)
    if procedure_policy.can(user, "read_rationales", procedure):
        return True
    return memo is not None and memo.procedure_id == procedure.pk and memo_policy.can(user, "read_rationales", memo)


def memos_to_sign(user):
    """The memos behind "Decision memos waiting for your sign-off" and the memo-routed notice."""
    return memo_policy.actionable(user, "sign")


def routes_to_sign(user):
    """The open routes of the memos the person may sign now: the sign-off inbox and its home panel."""
    return ApprovalRoute.objects.filter(status=ApprovalRoute.Status.OPEN,
                                        memo__in=memos_to_sign(user).values("pk"))


# --- waivers (issue 17) ---------------------------------------------------------------------------------------
# "waive" (asked of an unsaved Waiver carrying its procedure, kind and beneficiary): the person holds a role the
# setting BATON_WAIVER_ROLES names for that kind ({kind: [role, ...]}; default below), and is neither the person
# the waiver benefits nor the procedure's own lead. Superusers get no exception: this is segregation of duties.
DEFAULT_WAIVER_ROLES = {
    "standstill": (Role.COMMITTEE_APPROVER,), "due_diligence": (Role.COMMITTEE_APPROVER,),
    "residual_risk": (Role.COMMITTEE_APPROVER,), "late_bid": (Role.PROCUREMENT_LEAD,),
    "timeline_change": (Role.PROCUREMENT_LEAD,), "short_response": (Role.PROCUREMENT_LEAD,),
}


def waiver_roles(kind: str) -> tuple[str, ...]:
    from django.conf import settings

    configured = getattr(settings, "BATON_WAIVER_ROLES", None) or {}
    return tuple(configured.get(kind, DEFAULT_WAIVER_ROLES.get(kind, ())))


def _waiver_level_refusal(user, waiver) -> str:
    roles = " or ".join(str(role).lower() for role in waiver_roles(waiver.kind)) or "nobody"
    return f"A waiver of this kind ({waiver.get_kind_display().lower()}) is recorded by a {roles}; you are not one."


def _waiver_level_scope(user):
    kinds = [kind for kind in DEFAULT_WAIVER_ROLES if has_role(user, *waiver_roles(kind))]
    return Q(kind__in=kinds) if kinds else None


class WaiverPolicy(ObjectPolicy):
    model = Waiver
    actions = {"waive": Action(
        when(lambda user, waiver: has_role(user, *waiver_roles(waiver.kind)), _waiver_level_scope,
             _waiver_level_refusal),
        when(lambda user, waiver: user.pk not in (waiver.beneficiary_id, waiver.procedure.lead_id),
             lambda user: ~Q(beneficiary=user) & ~Q(procedure__lead=user),
             "You would benefit from this waiver, so someone else must record it."),
    )}

    def base_queryset(self):
        return Waiver.objects.select_related("procedure", "recorded_by", "beneficiary")

    def related(self, user):
        if has_role(user, Role.PROCUREMENT_LEAD):
            return EVERY_OBJECT
        return Q(procedure__lead=user) | Q(procedure__business_owner=user) | Q(recorded_by=user)


waiver_policy = WaiverPolicy()


# --- templates (issue 21) ---------------------------------------------------------------------------------------
# Scorecard and procedure set-up templates are organisation-wide: no per-object grants, visibility by role. The
# people who take part in award procedures (leads, business owners, evaluators, committee approvers) and auditors
# read them; procurement leads save, version and retire them, and start procedures from the active ones. Anyone
# else gets 404.
TEMPLATE_READERS = (Role.PROCUREMENT_LEAD, Role.BUSINESS_OWNER, Role.EVALUATOR, Role.COMMITTEE_APPROVER,
                    Role.AUDITOR)
TEMPLATES_LEADS_ONLY = "Only procurement leads save, version and retire templates."
TEMPLATE_RETIRED = "This template is retired: it is kept for the record but no longer versioned or started from."


class TemplatePolicy(ObjectPolicy):
    """One policy for both kinds of template (the model is given)."""

    actions = {
        "save": Action(holds_role(Role.PROCUREMENT_LEAD, refusal=TEMPLATES_LEADS_ONLY)),
        "retire": Action(holds_role(Role.PROCUREMENT_LEAD, refusal=TEMPLATES_LEADS_ONLY),
                         when(lambda user, t: t.active, lambda user: Q(active=True), TEMPLATE_RETIRED, state=True)),
        "start": Action(holds_role(Role.PROCUREMENT_LEAD, refusal="Only procurement leads start procedures."),
                        when(lambda user, t: t.active, lambda user: Q(active=True), TEMPLATE_RETIRED, state=True)),
    }

    def __init__(self, model):
        self.model = model

    def related(self, user):
        return EVERY_OBJECT if has_role(user, *TEMPLATE_READERS) else None


scorecard_template_policy = TemplatePolicy(ScorecardTemplate)
procedure_template_policy = TemplatePolicy(ProcedureTemplate)


def reads_templates(user) -> bool:
    return scorecard_template_policy.sees_everything(user)
