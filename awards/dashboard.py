"""Home-page panels: what each person has to do in award procedures.

Each panel costs one query, except the lead's: it also runs the prerequisite checks (awards.prerequisites) for
the next stage of at most BLOCKER_LIMIT procedures, each check a bounded number of queries. `work_count` feeds
the "My work" number in the navigation with one count query per role held.
"""

from django.db.models import Count, Exists, F, OuterRef, Q, Window

from awards.models import AwardProcedure, Bid, ConflictDeclaration, EvaluatorAssignment
from awards.models.procedure import Stage
from awards.models.scorecard import ScoreSheet
from awards.prerequisites import missing_for
from awards.transitions import PROCEDURE_PATH, STAGE_LABELS
from procurement.accounts.roles import Role, has_role

OPEN_STAGES = [s for s in Stage.values if s not in (Stage.AWARDED, Stage.CANCELLED)]
LIMIT = 5
BLOCKER_LIMIT = 5


def next_stage(stage: str) -> str | None:
    if stage not in PROCEDURE_PATH or stage == PROCEDURE_PATH[-1]:
        return None
    return PROCEDURE_PATH[PROCEDURE_PATH.index(stage) + 1]


_TOTAL = Window(expression=Count("pk"))  # the size of the whole result, before LIMIT


def _owed_declarations(user):
    declared = ConflictDeclaration.objects.filter(bid=OuterRef("pk"), assignment__evaluator=user)
    assigned = EvaluatorAssignment.objects.filter(procedure=OuterRef("procedure"), evaluator=user)
    return (Bid.objects.filter(Exists(assigned), procedure__stage__in=OPEN_STAGES)
            .exclude(status=Bid.Status.DECLINED).exclude(Exists(declared)))


def _scores_owed(user):
    """Procedures in evaluation where the person is an evaluator and has not submitted their score sheet."""
    assigned = EvaluatorAssignment.objects.filter(procedure=OuterRef("pk"), evaluator=user)
    submitted = ScoreSheet.objects.filter(scorecard__procedure=OuterRef("pk"), evaluator=user,
                                          submitted_at__isnull=False)
    return AwardProcedure.objects.filter(Exists(assigned), stage=Stage.EVALUATION).exclude(Exists(submitted))


def _agreements_owed(user):
    return (AwardProcedure.objects.filter(business_owner=user, stage__in=[Stage.DRAFT, Stage.REQUIREMENTS])
            .annotate(pending=Count("requirements", filter=Q(requirements__agreed_at__isnull=True)))
            .filter(pending__gt=0))


def _lead_panel(user) -> list[dict]:
    rows = list(AwardProcedure.objects.filter(lead=user, stage__in=OPEN_STAGES).order_by("-updated_at"))
    if not rows:
        return []
    order = {stage: n for n, stage in enumerate(PROCEDURE_PATH)}
    rows.sort(key=lambda p: order.get(p.stage, 0))
    by_stage: dict[str, list] = {}
    for n, procedure in enumerate(rows):
        target = next_stage(procedure.stage)
        procedure.next_stage_label = STAGE_LABELS.get(target, "") if target else ""
        procedure.blockers = None  # not checked (beyond the limit)
        if target and n < BLOCKER_LIMIT:
            procedure.blockers = list(missing_for(procedure, target).missing)
        by_stage.setdefault(procedure.stage, []).append(procedure)
    stages = [{"label": STAGE_LABELS[stage], "items": items} for stage, items in by_stage.items()]
    return [{"title": "Award procedures you run", "count": len(rows), "items": rows[:LIMIT], "stages": stages,
             "template": "awards/_panel_procedures.html"}]


def panels(user) -> list[dict]:
    result = []
    if has_role(user, Role.PROCUREMENT_LEAD):
        result += _lead_panel(user)
    if has_role(user, Role.BUSINESS_OWNER):
        rows = list(_agreements_owed(user).order_by("reference"))
        if rows:
            result.append({"title": "Requirements awaiting your agreement", "count": sum(r.pending for r in rows),
                           "items": rows[:LIMIT], "template": "awards/_panel_agreements.html"})
    if has_role(user, Role.EVALUATOR):
        # The first few rows, each carrying the total (COUNT(*) OVER ()), in one query: an evaluator on many
        # procedures may owe hundreds of declarations, and the page shows five.
        rows = list(_owed_declarations(user).select_related("procedure", "vendor").annotate(total=_TOTAL)
                    .order_by("procedure__reference", "vendor__legal_name")[:LIMIT])
        if rows:
            result.append({"title": "Conflict declarations you owe", "count": rows[0].total, "items": rows,
                           "template": "awards/_panel_declarations.html"})
        rows = list(_scores_owed(user).annotate(total=_TOTAL)
                    .order_by(F("target_award_date").asc(nulls_last=True), "reference")[:LIMIT])
        if rows:
            result.append({"title": "Scores to submit", "count": rows[0].total, "items": rows,
                           "template": "awards/_panel_scores.html"})
    result += __import__("awards.dashboard_memo", fromlist=["panels"]).panels(user)  # memos to sign, approvals
    return result


def work_count(user) -> int:
    """Items waiting for the person in award procedures: one count query per role held."""
    from awards.dashboard_memo import waiting_routes

    total = 0
    if has_role(user, Role.EVALUATOR):
        total += _owed_declarations(user).count() + _scores_owed(user).count()
    if has_role(user, Role.BUSINESS_OWNER):
        total += _agreements_owed(user).count()
    if has_role(user, Role.COMMITTEE_APPROVER):
        total += waiting_routes(user).count()
    return total
