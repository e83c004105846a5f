"""The vendor's risk register: register, edit, move and accept a risk."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_POST

from vendors import forms, selectors, services
from vendors.models import Risk
from vendors.views._common import vendor_for, vendor_form


def _risk(request, pk, risk_id, action):
    vendor = vendor_for(request, pk, action)
    return vendor, get_object_or_404(selectors.vendor_risks(vendor), pk=risk_id)


@login_required
def risk_create(request, pk):
    vendor = vendor_for(request, pk, "manage_risks")
    return vendor_form(
        request, forms.RiskForm,
        lambda form: services.risk_create(actor=request.user, vendor=vendor, **form.cleaned_data),
        vendor=vendor, title=f"Register a risk for {vendor}", submit="Register risk", done="Risk registered.")


@login_required
def risk_edit(request, pk, risk_id):
    vendor, risk = _risk(request, pk, risk_id, "manage_risks")
    initial = {name: getattr(risk, name) for name in services.RISK_EDITABLE}
    return vendor_form(
        request, forms.RiskForm,
        lambda form: services.risk_update(actor=request.user, risk=risk, **{
            k: v for k, v in form.cleaned_data.items() if v != initial.get(k)}),
        vendor=vendor, title=f"Edit risk “{risk}”", submit="Save risk", done="Risk saved.",
        form_kwargs={"initial": initial})


@login_required
@require_POST
def risk_status(request, pk, risk_id, to):
    vendor, risk = _risk(request, pk, risk_id, "manage_risks")
    label = Risk.Status(to).label if to in Risk.Status.values else to
    return vendor_form(
        request, forms.ReasonForm,
        lambda form: services.risk_set_status(actor=request.user, risk=risk, status=to,
                                              reason=form.cleaned_data["reason"]),
        vendor=vendor, title=f"Mark the risk “{risk}” {label.lower()}", submit=f"Confirm: {label}",
        intro="Give a reason for the status change: it is kept in the audit trail.",
        done=f"Risk “{risk}” is now {label.lower()}.")


@login_required
@require_POST
def risk_accept(request, pk, risk_id):
    vendor, risk = _risk(request, pk, risk_id, "accept_risk")
    return vendor_form(
        request, forms.ReasonForm,
        lambda form: services.risk_accept(actor=request.user, risk=risk, reason=form.cleaned_data["reason"]),
        vendor=vendor, title=f"Accept the residual risk “{risk}”", submit="Accept the risk",
        intro="Give a reason for accepting the residual risk.", done=f"Residual risk “{risk}” accepted.")
