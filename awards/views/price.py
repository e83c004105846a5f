"""Internal price pages (issue 20): the lead's volume assumptions, the price schedule of a bid received outside
Baton, and the scorecard's price formula (its view lives with the scorecard views). `urls` is appended to
awards.urls (namespace "awards").

URL names: price_assumption_add, price_assumption_edit, price_assumption_remove, bid_price, scorecard_price.
Everyone who sees the procedure sees the price panel on its page (awards.templatetags.bid_price); only the lead
(the "edit" action on the procedure) changes anything.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_http_methods

from awards.forms.price_schedule import (
    MAX_ROWS,
    blank_rows,
    schedule_post,
)
from awards.models import PriceLine, VolumeAssumption
from awards.policies import bid_policy
from awards.selectors import bids_of
from awards.services.price_assumptions import (
    bid_price_record,
    volume_assumption_add,
    volume_assumption_remove,
    volume_assumption_update,
)
from awards.views import scorecard as sc
from awards.views.procedure import action_page, procedure_for_request
from procurement.authz import get_for_user_or_404


class AssumptionForm(forms.Form):
    label = forms.CharField(max_length=200, label="What is counted", help_text="E.g. “Input tokens”.")
    unit = forms.CharField(max_length=60, label="Unit bidders price", help_text="E.g. “million tokens”.")
    monthly_volume = forms.DecimalField(max_digits=16, decimal_places=4, min_value=0, label="Volume per month",
                                        help_text="How many units a month every bid is priced for, over the whole "
                                                  "term.")


class NewAssumptionForm(AssumptionForm):
    key = forms.SlugField(max_length=40, required=False, label="Code (optional)",
                          help_text="A short code bidders' usage lines refer to; made from the label if empty.")


def _panel(procedure) -> str:
    return f"{procedure.get_absolute_url()}#price"


ANNOUNCE = ("Once the RFP is issued, every invited bidder is told of this change in the portal and by e-mail. "
            "Assumptions are fixed after proposals-due.")


@login_required
def assumption_add(request, reference):
    procedure = procedure_for_request(request, reference, "edit")
    return action_page(
        request, NewAssumptionForm,
        lambda form: volume_assumption_add(actor=request.user, procedure=procedure, **form.cleaned_data),
        procedure=procedure, title="Add a volume assumption", submit="Add", success=_panel(procedure),
        done="Volume assumption added.",
        intro="Usage-based prices are compared on the same assumed volume: each bid's unit price is multiplied by "
              "this monthly volume over the term. " + ANNOUNCE)


@login_required
def assumption_edit(request, reference, pk):
    procedure = procedure_for_request(request, reference, "edit")
    assumption = get_object_or_404(VolumeAssumption, procedure=procedure, pk=pk)
    return action_page(
        request, AssumptionForm,
        lambda form: volume_assumption_update(actor=request.user, assumption=assumption, **form.cleaned_data),
        procedure=procedure, title=f"Change the volume assumption “{assumption.label}”", success=_panel(procedure),
        done="Volume assumption changed.", intro=ANNOUNCE,
        form_kwargs={"initial": {"label": assumption.label, "unit": assumption.unit,
                                 "monthly_volume": assumption.monthly_volume}})


@login_required
def assumption_remove(request, reference, pk):
    procedure = procedure_for_request(request, reference, "edit")
    assumption = get_object_or_404(VolumeAssumption, procedure=procedure, pk=pk)
    return action_page(
        request, forms.Form,
        lambda form: volume_assumption_remove(actor=request.user, assumption=assumption),
        procedure=procedure, title=f"Remove the volume assumption “{assumption.label}”?", submit="Remove it",
        danger=True, success=_panel(procedure), done="Volume assumption removed.",
        intro=f"{assumption} will no longer apply. " + ANNOUNCE)


@login_required
@require_http_methods(["GET", "POST"])
def bid_price(request, reference, pk):
    """The lead types in the price schedule of a bid received outside Baton (recorded procedures)."""
    procedure = procedure_for_request(request, reference, "edit")
    bid = get_for_user_or_404(request.user, bid_policy, action="view", queryset=bids_of(reference), pk=pk)
    assumptions = {a.key: a for a in VolumeAssumption.objects.filter(procedure=procedure).order_by("position", "pk")}
    recorded = list(PriceLine.objects.filter(bid=bid).select_related("assumption").order_by("position", "pk"))
    currency = bid.price_currency or procedure.currency
    rows = [{"kind": line.kind, "label": line.label, "amount": f"{line.amount.normalize():f}",
             "period": line.period, "assumption": line.assumption.key if line.assumption_id else ""}
            for line in recorded] + blank_rows(2)
    context = {"procedure": procedure, "bid": bid, "assumptions": list(assumptions.values()),
               "kinds": PriceLine.Kind.choices, "recorded": recorded, "row_errors": {}, "errors": [],
               "field_errors": {}, "total": None, "reason": ""}
    status = 200
    if request.method == "POST":
        context["reason"] = str(request.POST.get("reason", ""))[:2000]

        def save(data):
            with transaction.atomic():
                bid_price_record(actor=request.user, bid=bid, schedule=data, reason=context["reason"])

        currency, rows, status, saved = schedule_post(request.POST, procedure=procedure, assumptions=assumptions,
                                                      context=context, save=save)
        if saved:
            messages.success(request, f"Price schedule of {bid.vendor} recorded: {context['total']} over the term.")
            return redirect(_panel(procedure))
    context.update(currency=currency, row_count=len(rows), max_rows=MAX_ROWS,
                   rows=[(i, row, context["row_errors"].get(i, [])) for i, row in enumerate(rows)])
    return render(request, "awards/price/bid_price.html", context, status=status)


P = "<str:reference>/"

urls: list = [
    path(P + "price/assumptions/new/", assumption_add, name="price_assumption_add"),
    path(P + "price/assumptions/<int:pk>/", assumption_edit, name="price_assumption_edit"),
    path(P + "price/assumptions/<int:pk>/remove/", assumption_remove, name="price_assumption_remove"),
    path(P + "bids/<int:pk>/price/", bid_price, name="bid_price"),
    path(P + "scorecard/price/", sc.scorecard_price, name="scorecard_price"),
]
