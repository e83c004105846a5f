"""Waiver pages: the procedure's waivers, and the form to record one (with a confirmation step, since a waiver is
never edited or withdrawn once recorded). Who may record which kind is the waiver policy's answer alone."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from awards import services
from awards.forms.waivers import WaiverForm
from awards.models import AwardProcedure, DecisionMemo, Waiver
from awards.models.memo import MemoStatus
from awards.models.waivers import WaiverKind
from awards.policies import procedure_policy, waiver_policy
from awards.selectors.memo_checks import DD_INCOMPLETE, RISK_NOT_ACCEPTED
from awards.services.memo import memo_preview
from procurement.posting import handle_form


def recordable_kinds(user, procedure) -> list[str]:
    """The kinds of waiver `user` may record for `procedure`, asked of the waiver policy kind by kind (with the
    procedure's lead as the one who benefits, the default)."""
    return [kind for kind in WaiverKind.values
            if waiver_policy.refusal(user, "waive", Waiver(procedure=procedure, kind=kind,
                                                           beneficiary=procedure.lead), seen=True) is None]


def procedure_for_waivers(request, reference: str) -> AwardProcedure:
    """The procedure, for people who may see it and for those the waiver policy names to record waivers on it:
    a committee approver records a due-diligence or residual-risk waiver without otherwise reading the procedure
    (before the memo is submitted there is nothing routed to them). Anyone else: 404, as for the procedure."""
    procedure = AwardProcedure.objects.select_related("lead", "business_owner").filter(reference=reference).first()
    if procedure is None or not (procedure_policy.can(request.user, "view", procedure)
                                 or recordable_kinds(request.user, procedure)):
        raise Http404("No such procedure.")
    return procedure


def waivable_findings(procedure) -> list:
    """What the procedure's draft memo cannot be submitted without: the findings a waiver would lift."""
    memo = DecisionMemo.objects.filter(procedure=procedure).exclude(status=MemoStatus.APPROVED).first()
    if memo is None:
        return []
    _, _, findings = memo_preview(memo)
    return [f for f in findings if f.code in (DD_INCOMPLETE, RISK_NOT_ACCEPTED)]


def visible_waivers(user, procedure):
    """The procedure's waivers this person may see, oldest first."""
    return (waiver_policy.visible(user).filter(procedure=procedure).select_related("recorded_by", "beneficiary")
            .order_by("recorded_at", "pk"))


@login_required
@require_GET
def waiver_list(request, reference):
    procedure = procedure_for_waivers(request, reference)
    return render(request, "awards/waivers/list.html", {
        "procedure": procedure, "waivers": list(visible_waivers(request.user, procedure)),
        "can_record": bool(recordable_kinds(request.user, procedure)),
    })


@dataclass(frozen=True)
class _Preview:
    """A valid waiver, checked by the service and rolled back, waiting for the person's confirmation."""

    kind_label: str
    subject: str
    reason: str
    beneficiary: object


class _DryRun(Exception):
    def __init__(self, waiver):
        self.waiver = waiver


def _record(request, procedure, form, *, dry_run: bool):
    data = form.cleaned_data
    try:
        if not dry_run:
            return services.waiver_record(actor=request.user, procedure=procedure, kind=data["kind"],
                                          subject=data["subject"], reason=data["reason"],
                                          beneficiary=data["beneficiary"])
        try:  # the very same checks as the real call, in a savepoint that is always undone
            with transaction.atomic():
                waiver = services.waiver_record(actor=request.user, procedure=procedure, kind=data["kind"],
                                                subject=data["subject"], reason=data["reason"],
                                                beneficiary=data["beneficiary"])
                raise _DryRun(waiver)
        except _DryRun as done:
            waiver = done.waiver
            return _Preview(kind_label=waiver.get_kind_display(), subject=waiver.subject, reason=waiver.reason,
                            beneficiary=waiver.beneficiary)
    except PermissionDenied as exc:  # the policy's refusal, next to the field it is about
        field = "beneficiary" if data["beneficiary"].pk == request.user.pk else "kind"
        raise ValidationError({field: str(exc)}) from None


@login_required
def waiver_new(request, reference):
    procedure = procedure_for_waivers(request, reference)
    kinds = recordable_kinds(request.user, procedure)
    if not kinds:
        raise PermissionDenied(f"You may not record a waiver for {procedure.reference}: a waiver is recorded by "
                               "someone the waiver policy names for its kind, never by the procedure's lead.")
    context = {"procedure": procedure, "title": "Record a waiver", "findings": waivable_findings(procedure)}
    if request.method == "POST" and "change" in request.POST:  # back from the confirmation, the input kept
        form = WaiverForm(request.POST, procedure=procedure, kinds=kinds)
        return render(request, "awards/waivers/form.html", {**context, "form": form})
    confirming = request.method == "POST" and request.POST.get("confirmed") == "yes"

    def success(result):
        if isinstance(result, _Preview):
            hidden = {name: form_value for name, form_value in request.POST.items()
                      if name in ("kind", "subject", "reason", "beneficiary")}
            return render(request, "awards/waivers/confirm.html",
                          {**context, "preview": result, "hidden": hidden})
        return reverse("awards:waiver_list", args=[procedure.reference])

    return handle_form(
        request, WaiverForm, lambda form: _record(request, procedure, form, dry_run=not confirming),
        template="awards/waivers/form.html", context=context, success=success,
        done=lambda result: "" if isinstance(result, _Preview) else "Waiver recorded.",
        form_kwargs={"procedure": procedure, "kinds": kinds})
