"""Download of a procedure's decision record (issue 17), as JSON for machines and XLSX for people.

Who may download (awards.selectors.decision_record.record_scope): the procedure's lead, auditors and superusers
get the complete record once scoring has closed (before, 409); an assigned evaluator gets their own submitted
scores and declarations only, before and after the award. Someone who
does not see the procedure gets 404; someone who sees it but is none of these (the business owner, other leads,
committee members) gets 403: the raw per-evaluator record is not theirs to read.
"""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.views.decorators.http import require_GET

from awards.decision_record_xlsx import decision_record_xlsx
from awards.models import AwardProcedure
from awards.policies import SCORING_NOT_CLOSED, procedure_policy, scoring_closed
from awards.selectors.decision_record import decision_record, record_scope
from procurement.accounts.roles import Role, has_role
from procurement.authz import get_for_user_or_404
from procurement.exceptions import DomainError

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REFUSAL = ("Only the procurement lead, auditors and the procedure's evaluators (for their own scores) download "
           "the decision record.")


def _would_read_everything(user, procedure) -> bool:
    return user.is_superuser or procedure.lead_id == user.pk or has_role(user, Role.AUDITOR)


def _download(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def download(request, reference, fmt):
    if fmt not in ("json", "xlsx"):
        raise Http404("The decision record downloads as JSON or XLSX.")
    procedure = get_for_user_or_404(request.user, procedure_policy, reference=reference,
                                    queryset=AwardProcedure.objects.select_related("lead", "business_owner"))
    scope = record_scope(request.user, procedure)
    if scope is None:
        if _would_read_everything(request.user, procedure) and not scoring_closed(procedure):
            raise DomainError(SCORING_NOT_CLOSED)  # the lead (or an auditor) waits until scoring has closed
        raise PermissionDenied(REFUSAL)
    record = decision_record(procedure, for_user=request.user)
    suffix = "" if scope == "full" else "-my-scores"
    name = f"{procedure.reference}-decision-record{suffix}"
    if fmt == "json":
        body = json.dumps(record, ensure_ascii=False, indent=1).encode("utf-8")
        return _download(body, f"{name}.json", "application/json; charset=utf-8")
    return _download(decision_record_xlsx(record), f"{name}.xlsx", XLSX)
