"""Home-page panels: what each person has to do in award procedures (one query per panel)."""

from django.db.models import Count, Exists, OuterRef, Q

from awards.models import AwardProcedure, Bid, ConflictDeclaration, EvaluatorAssignment
from awards.models.procedure import Stage
from procurement.accounts.roles import Role, has_role

OPEN_STAGES = [s for s in Stage.values if s not in (Stage.AWARDED, Stage.CANCELLED)]
LIMIT = 5


def panels(user) -> list[dict]:
    result = []
    if has_role(user, Role.PROCUREMENT_LEAD):
        rows = list(AwardProcedure.objects.filter(lead=user, stage__in=OPEN_STAGES).order_by("-updated_at"))
        if rows:
            result.append({"title": "Award procedures you run", "count": len(rows), "items": rows[:LIMIT],
                           "template": "awards/_panel_procedures.html"})
    if has_role(user, Role.BUSINESS_OWNER):
        rows = list(AwardProcedure.objects.filter(business_owner=user, stage__in=[Stage.DRAFT, Stage.REQUIREMENTS])
                    .annotate(pending=Count("requirements", filter=Q(requirements__agreed_at__isnull=True)))
                    .filter(pending__gt=0).order_by("reference"))
        if rows:
            result.append({"title": "Requirements awaiting your agreement", "count": sum(r.pending for r in rows),
                           "items": rows[:LIMIT], "template": "awards/_panel_agreements.html"})
    if has_role(user, Role.EVALUATOR):
        declared = ConflictDeclaration.objects.filter(bid=OuterRef("pk"), assignment__evaluator=user)
        assigned = EvaluatorAssignment.objects.filter(procedure=OuterRef("procedure"), evaluator=user)
        rows = list(Bid.objects.filter(Exists(assigned), procedure__stage__in=OPEN_STAGES)
                    .exclude(status=Bid.Status.DECLINED).exclude(Exists(declared))
                    .select_related("procedure", "vendor").order_by("procedure__reference", "vendor__legal_name"))
        if rows:
            result.append({"title": "Conflict declarations you owe", "count": len(rows), "items": rows[:LIMIT],
                           "template": "awards/_panel_declarations.html"})
    result += __import__("awards.dashboard_memo", fromlist=["panels"]).panels(user)  # issue 7: memos to sign
    return result
