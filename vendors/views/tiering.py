"""Tiering: the questionnaire, an override, reassessment triggers and the follow-up tasks they open."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_POST

from vendors import forms, selectors, services, tiering
from vendors.services import monitoring
from vendors.services.tiering import rules_in_force
from vendors.views._common import vendor_for, vendor_form


@login_required
def vendor_tiering(request, pk):
    vendor = vendor_for(request, pk, "tier")
    latest = selectors.current_assessment(vendor)
    return vendor_form(
        request, forms.TieringForm,
        lambda form: services.tier_assess(actor=request.user, vendor=vendor, answers=form.cleaned_data),
        vendor=vendor, title=f"Tiering questionnaire — {vendor}", submit="Work out the tier",
        intro="Answer for the use we intend. The tier follows from the rule table below.",
        done=lambda assessment: f"Tier set: {assessment.explanation}",
        form_kwargs={"initial": latest.answers if latest else None},
        extra={"rule_table": tiering.describe_table(rules_in_force()[1]), "override_note": vendor.tier_overridden})


@login_required
def vendor_tier_override(request, pk):
    vendor = vendor_for(request, pk, "override_tier")
    return vendor_form(
        request, forms.TierOverrideForm,
        lambda form: services.tier_override(actor=request.user, vendor=vendor, **form.cleaned_data),
        vendor=vendor, title=f"Override the tier of {vendor}", submit="Override tier", done="Tier overridden.",
        intro="An override replaces the questionnaire's tier until the questionnaire is answered again. It is "
              "shown as an override wherever the tier appears.",
        form_kwargs={"initial": {"tier": vendor.tier}})


@login_required
def trigger_record(request, pk):
    vendor = vendor_for(request, pk, "record_trigger")
    latest = selectors.current_assessment(vendor)

    def record(form):
        data = form.cleaned_data
        return services.trigger_record(actor=request.user, vendor=vendor, kind=data["kind"],
                                       occurred_on=data["occurred_on"], description=data["description"],
                                       answers=form.answers())

    return vendor_form(
        request, forms.TriggerForm, record, vendor=vendor, title=f"Record a reassessment trigger — {vendor}",
        submit="Record and reassess", success=vendor.get_absolute_url() + "#triggers",
        done=lambda trigger: f"Trigger recorded and the tier reassessed. {trigger.outcome}",
        intro="Record what changed at the vendor. The tier rules run again at once on the current answers with "
              "your changes; if the tier rises, the due-diligence items the new tier needs are opened as tasks.",
        form_kwargs={"current": latest.answers if latest else {}},
        extra={"rule_table": tiering.describe_table(rules_in_force()[1])})


@login_required
@require_POST
def task_close(request, pk, task_id):
    vendor = vendor_for(request, pk, "manage_tasks")
    task = get_object_or_404(selectors.vendor_tasks(vendor), pk=task_id)
    return vendor_form(
        request, forms.ReasonForm,
        lambda form: monitoring.task_close(actor=request.user, task=task, reason=form.cleaned_data["reason"]),
        vendor=vendor, title=f"Close the task “{task}”", submit="Close the task",
        intro="Give a reason for closing the task without completing it.",
        success=vendor.get_absolute_url() + "#follow-ups", done=f"Task “{task}” closed.")
