"""Home-page panels: what each person has to do in award procedures.

Every queue is the policy's `actionable()` (awards.policies), never a second query written by hand:
- "Conflict declarations you owe": the owed bids of the procedures where `declare` is actionable;
- "Scores to submit": `procedure_policy.actionable(user, "score")`;
- "Requirements awaiting your agreement": `procedure_policy.actionable(user, "agree_requirements")`;
- "Award procedures you run": the open procedures the person leads among `actionable(user, "edit")`;
- "Decision memos waiting for your sign-off": the open routes of `memo_policy.actionable(user, "sign")`, oldest
  first (the memo inbox page lists the same routes).

Each panel costs one query, except the lead's: it also runs the prerequisite checks (awards.prerequisites) for
the next stage of at most BLOCKER_LIMIT procedures, each check a bounded number of queries. `work_count` feeds
the "My work" number in the navigation with one count query per role held.
"""

from datetime import timedelta

from django.db.models import Count, F, Q, Window
from django.utils import timezone

from awards.models import SignOff
from awards.policies import OPEN_STAGES, owed_declarations, procedure_policy, routes_to_sign
from awards.prerequisites import missing_for
from awards.transitions import PROCEDURE_PATH, STAGE_LABELS
from procurement.accounts.roles import Role, has_role

LIMIT = 5
BLOCKER_LIMIT = 5
RECENT_DAYS = 90
RECENT_LIMIT = 10


def next_stage(stage: str) -> str | None:
    if stage not in PROCEDURE_PATH or stage == PROCEDURE_PATH[-1]:
        return None
    return PROCEDURE_PATH[PROCEDURE_PATH.index(stage) + 1]


_TOTAL = Window(expression=Count("pk"))  # the size of the whole result, before LIMIT


def scores_owed(user):
    """Procedures in evaluation where the person still owes their score sheet (the policy's "score")."""
    return procedure_policy.actionable(user, "score")


def agreements_owed(user):
    """Procedures whose requirements wait for the person's agreement, each with the number pending."""
    return (procedure_policy.actionable(user, "agree_requirements")
            .annotate(pending=Count("requirements", filter=Q(requirements__agreed_at__isnull=True))))


def procedures_run(user):
    return procedure_policy.actionable(user, "edit").filter(lead=user, stage__in=OPEN_STAGES)


waiting_routes = routes_to_sign  # the open routes of memo_policy.actionable(user, "sign")


def _lead_panel(user) -> list[dict]:
    rows = list(procedures_run(user).order_by("-updated_at"))
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


def _memo_panels(user) -> list[dict]:
    result = []
    if has_role(user, Role.COMMITTEE_APPROVER):  # the policy's "sign" needs the role: no query without it
        rows = list(waiting_routes(user).select_related("memo__procedure", "version").order_by("created_at", "pk"))
        if rows:
            result.append({"title": "Decision memos waiting for your sign-off", "count": len(rows),
                           "items": rows[:LIMIT], "template": "awards/memo/_panel_waiting.html"})
    if has_role(user, Role.AUDITOR) or user.is_superuser:
        since = timezone.now() - timedelta(days=RECENT_DAYS)
        rows = list(SignOff.objects.filter(signed_at__gte=since)
                    .select_related("signer", "route__memo__procedure").order_by("-signed_at", "-pk")[:RECENT_LIMIT])
        if rows:
            result.append({"title": "Recent sign-off decisions", "count": None, "items": rows,
                           "template": "awards/memo/_panel_recent_signoffs.html"})
    return result


def panels(user) -> list[dict]:
    # Role checks only save queries: each queue's action requires that role (awards.policies).
    result = []
    if has_role(user, Role.PROCUREMENT_LEAD):
        result += _lead_panel(user)
    if has_role(user, Role.BUSINESS_OWNER):
        rows = list(agreements_owed(user).order_by("reference"))
        if rows:
            result.append({"title": "Requirements awaiting your agreement", "count": sum(r.pending for r in rows),
                           "items": rows[:LIMIT], "template": "awards/_panel_agreements.html"})
    if has_role(user, Role.EVALUATOR):
        # The first few rows, each carrying the total (COUNT(*) OVER ()), in one query: an evaluator on many
        # procedures may owe hundreds of declarations, and the page shows five.
        rows = list(owed_declarations(user).select_related("procedure", "vendor").annotate(total=_TOTAL)
                    .order_by("procedure__reference", "vendor__legal_name")[:LIMIT])
        if rows:
            result.append({"title": "Conflict declarations you owe", "count": rows[0].total, "items": rows,
                           "template": "awards/_panel_declarations.html"})
        rows = list(scores_owed(user).annotate(total=_TOTAL)
                    .order_by(F("target_award_date").asc(nulls_last=True), "reference")[:LIMIT])
        if rows:
            result.append({"title": "Scores to submit", "count": rows[0].total, "items": rows,
                           "template": "awards/_panel_scores.html"})
    result += _memo_panels(user)
    return result


def work_count(user) -> int:
    """Items waiting for the person in award procedures: one count query per role held."""
    total = 0
    if has_role(user, Role.EVALUATOR):
        total += owed_declarations(user).count() + scores_owed(user).count()
    if has_role(user, Role.BUSINESS_OWNER):
        total += agreements_owed(user).count()
    if has_role(user, Role.COMMITTEE_APPROVER):
        total += waiting_routes(user).count()
    return total
