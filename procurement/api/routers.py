"""The kernel's own API router: the audit trail, for auditors (the same rule as the global log page)."""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import PermissionDenied
from ninja import Field, Query, Router, Schema

from procurement.accounts.roles import Role, has_role
from procurement.api.problems import COMMON_ERRORS
from procurement.api.responses import conditional
from procurement.audit.log import Cursor, log_page

audit_router = Router(tags=["audit"])


class AuditEntryOut(Schema):
    at: datetime
    who: str
    action: str
    reason: str
    object_type: str
    model_label: str
    object_id: str
    name: str


class AuditPageOut(Schema):
    items: list[AuditEntryOut]
    older: str | None = Field(description="Pass as `older_than` for the next (older) page; null at the end.")


class AuditFilters(Schema):
    model_label: str = Field("", max_length=100, description="e.g. awards.decisionmemo")
    object_id: str = Field("", max_length=40)
    user_id: int | None = Field(None, ge=1, le=2_147_483_647)
    date_from: date | None = None
    date_to: date | None = None
    older_than: str = Field("", max_length=40, description="The `older` cursor of the previous page.")
    limit: int = Field(50, ge=1, le=100)


@audit_router.get("", response={200: AuditPageOut, 304: None, **COMMON_ERRORS}, url_name="audit_log",
                  summary="The global audit trail, newest first (auditors)")
def audit_log(request, filters: Query[AuditFilters]):
    """Keyset-paginated like the auditor's log page: a page costs one query however far back it is."""
    user = request.user
    if not (user.is_superuser or has_role(user, Role.AUDITOR)):
        raise PermissionDenied("Only auditors read the global audit log.")
    page = log_page(size=filters.limit, older_than=Cursor.parse(filters.older_than), user_id=filters.user_id,
                    model_label=filters.model_label, object_id=filters.object_id, date_from=filters.date_from,
                    date_to=filters.date_to)
    return conditional(request, AuditPageOut, {
        "items": [{"at": r.when, "who": r.who, "action": r.action, "reason": r.reason or "",
                   "object_type": r.object_type, "model_label": r.model_label, "object_id": str(r.object_id),
                   "name": r.name or ""} for r in page.rows],
        "older": str(page.older) if page.older else None,
    })
