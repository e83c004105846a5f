"""One page for the lead's evaluation decisions (issue 21): every knockout outcome and every shortlist decision
of the procedure, confirmed together with one reason (awards.services.decisions)."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.urls import path, reverse

from awards import results, selectors
from awards.models import Bid
from awards.services.decisions import BidChoice, KnockoutChoice, evaluation_decide
from awards.views.procedure import procedure_for_request
from procurement.posting import handle_form

KO_CHOICES = [("", "Not decided"), ("pass", "Pass"), ("fail", "Fail")]
BID_CHOICES = [("", "No decision yet"), (Bid.Status.SHORTLISTED, "Shortlist"), (Bid.Status.KNOCKED_OUT, "Knock out")]
LABELS = {True: "pass", False: "fail", None: "no proposal"}


class EvaluationDecisionsForm(forms.Form):
    """A select per knockout and bid (set to the decision on record, else to the evidence's proposal), an
    optional reason per cell, a decision per bid still to decide, and the reason that covers them all."""

    reason = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}),
                             label="Reason for these decisions",
                             help_text="Kept with every decision; needed for the shortlist decisions and for any "
                                       "knockout outcome that goes against the evidence without its own reason.")

    def __init__(self, *args, cells, bids, **kwargs):
        super().__init__(*args, **kwargs)
        self.cells, self.bids = cells, bids
        for cell in cells:
            name = f"ko_{cell['knockout'].pk}_{cell['bid'].pk}"
            cell["field"], cell["reason_field"] = name, f"{name}_reason"
            initial = cell["decided"] if cell["decided"] is not None else cell["proposed"]
            self.fields[name] = forms.ChoiceField(
                choices=KO_CHOICES, required=False, initial=LABELS.get(initial, "") if initial is not None else "",
                label=f"{cell['knockout'].name}: {cell['bid'].vendor}",
                help_text=f"The evidence proposes {LABELS[cell['proposed']]}. {cell['basis']}")
            self.fields[cell["reason_field"]] = forms.CharField(
                required=False, max_length=2000, label=f"Reason for {cell['knockout'].name}: {cell['bid'].vendor}")
        for bid in bids:
            self.fields[f"bid_{bid.pk}"] = forms.ChoiceField(choices=BID_CHOICES, required=False,
                                                             label=f"Decision on {bid.vendor}")
        # The page lays the fields out as tables: each row carries its bound fields.
        self.knockout_rows = [{**cell, "outcome": self[cell["field"]], "own_reason": self[cell["reason_field"]]}
                              for cell in cells]
        self.bid_rows = [{"bid": bid, "decision": self[f"bid_{bid.pk}"]} for bid in bids]

    def knockout_choices(self) -> list[KnockoutChoice]:
        chosen = []
        for cell in self.cells:
            value = self.cleaned_data.get(cell["field"])
            if not value:
                continue
            passed = value == "pass"
            if cell["decided"] is passed and not self.cleaned_data.get(cell["reason_field"]):
                continue  # unchanged: nothing to record again
            chosen.append(KnockoutChoice(key=cell["field"], knockout=cell["knockout"], bid=cell["bid"],
                                         passed=passed, reason=self.cleaned_data.get(cell["reason_field"], "")))
        return chosen

    def bid_choices(self) -> list[BidChoice]:
        return [BidChoice(key=f"bid_{bid.pk}", bid=bid, status=self.cleaned_data[f"bid_{bid.pk}"])
                for bid in self.bids if self.cleaned_data.get(f"bid_{bid.pk}")]

    def clean(self):
        cleaned = super().clean()
        if self.bid_choices() and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", "Give the reason for the shortlist decisions.")
        return cleaned


@login_required
def evaluation_decisions(request, reference):
    procedure = procedure_for_request(request, reference, "edit")
    data = results.procedure_results(procedure)
    cells = []
    for bid in data.bids:
        for knockout in data.knockouts:
            decision = data.decisions.get((knockout.pk, bid.pk))
            proposed, basis = results.propose_knockout(knockout, bid, procedure.target_award_date)
            cells.append({"knockout": knockout, "bid": bid, "proposed": proposed, "basis": basis,
                          "decided": decision.passed if decision is not None else None})
    open_bids = [bid for bid in data.bids if bid.status == Bid.Status.SUBMITTED]
    back = reverse("awards:results", args=[procedure.reference])

    def call(form):
        return evaluation_decide(actor=request.user, knockouts=form.knockout_choices(), bids=form.bid_choices(),
                                 reason=form.cleaned_data["reason"])

    return handle_form(
        request, EvaluationDecisionsForm, call, template="awards/scorecard/decisions.html",
        context={"procedure": procedure, "back": back, "cells": cells, "open_bids": open_bids,
                 "knockouts": data.knockouts, "scorecard": selectors.scorecard_of(procedure)},
        form_kwargs={"cells": cells, "bids": open_bids}, success=back + "#ranking",
        done=lambda count: f"{count} decision{'s' if count != 1 else ''} recorded.")


urls = [path("<str:reference>/results/decide/", evaluation_decisions, name="results_decide")]
