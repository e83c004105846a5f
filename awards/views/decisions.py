"""One page for the lead's evaluation decisions (issue 21): every knockout outcome and every shortlist decision
of the procedure, confirmed together with one reason (awards.services.decisions)."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.urls import path, reverse

from awards import results, selectors
from awards.models import Bid, ConflictDeclaration, EvaluatorAssignment
from awards.services.decisions import (
    BidChoice,
    DeclarationChoice,
    KnockoutChoice,
    conflicts_declare,
    evaluation_decide,
)
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


class DeclarationsForm(forms.Form):
    """For each bidder the evaluator has not declared for yet: conflict or not, and what it is."""

    def __init__(self, *args, bids, **kwargs):
        super().__init__(*args, **kwargs)
        self.bids = bids
        for bid in bids:
            self.fields[f"conflict_{bid.pk}"] = forms.ChoiceField(
                label=f"Do you have a conflict of interest with {bid.vendor}?", widget=forms.RadioSelect,
                choices=[("no", "No conflict"), ("yes", "Yes, I have a conflict to declare")])
            self.fields[f"description_{bid.pk}"] = forms.CharField(
                required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2}),
                label=f"What the conflict with {bid.vendor} is", help_text="If yes: the relationship, interest or "
                                                                           "past role.")
        self.rows = [{"bid": bid, "conflict": self[f"conflict_{bid.pk}"],
                      "description": self[f"description_{bid.pk}"]} for bid in bids]

    def choices(self) -> list[DeclarationChoice]:
        return [DeclarationChoice(key=f"conflict_{bid.pk}", bid=bid,
                                  has_conflict=self.cleaned_data[f"conflict_{bid.pk}"] == "yes",
                                  description=self.cleaned_data.get(f"description_{bid.pk}", ""))
                for bid in self.bids]


@login_required
def declare_all(request, reference):
    """An evaluator declares for every bidder still undeclared, on one page, before opening any bid."""
    procedure = procedure_for_request(request, reference, "declare")
    assignment = EvaluatorAssignment.objects.filter(procedure=procedure, evaluator=request.user).first()
    declared = set(ConflictDeclaration.objects.filter(assignment=assignment).values_list("bid_id", flat=True))
    undeclared = [bid for bid in selectors.procedure_bids(procedure).exclude(status=Bid.Status.DECLINED)
                  .select_related("vendor") if bid.pk not in declared]
    back = reverse("awards:procedure_detail", args=[procedure.reference]) + "#my-declarations"
    return handle_form(
        request, DeclarationsForm,
        lambda form: conflicts_declare(actor=request.user, declarations=form.choices()),
        template="awards/declarations.html", context={"procedure": procedure, "back": back},
        form_kwargs={"bids": undeclared}, success=back,
        done=lambda count: f"{count} declaration{'s' if count != 1 else ''} recorded.")


urls += [path("<str:reference>/declarations/mine/", declare_all, name="coi_declare_all")]
