"""Undoing what is undoable on a contract, with a reason (issue 21).

Each correction is a confirmation page (GET) and a POST with a required reason, through one service:
- `raci_activity_remove`: take an activity out of the RACI matrix, before the kickoff is held;
- `attendee_remove`: take someone off the kickoff's attendance list, before the kickoff is held;
- `invoice_dispute` / `invoice_dispute_resolve`: dispute a received invoice, and resolve the dispute.

A correction the contract's state no longer allows (the kickoff is held, the invoice is not in the right state)
answers 409 with the sentence saying why, on the page and on the post. `urls` is appended to contracts.urls.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path

from contracts.forms.negotiation import ReasonForm
from contracts.models import Invoice, KickoffAttendee, RaciActivity
from contracts.services.kickoff import kickoff_attendee_remove
from contracts.services.payments import invoice_dispute, invoice_dispute_resolve
from contracts.services.planning import raci_activity_remove, raci_removal_refusal
from contracts.views.negotiation import _child, _contract, contract_form

HELD = "The kickoff has been held; its attendance list is a record and stays as it is."


def _refused(request, message: str):
    return render(request, "errors/409.html", {"message": message}, status=409)


@login_required
def raci_activity_remove_view(request, reference, pk):
    contract = _contract(request, reference, "edit")
    activity = _child(RaciActivity, contract, pk)
    refusal = raci_removal_refusal(activity)
    if refusal and request.method != "POST":
        return _refused(request, refusal)
    return contract_form(
        request, ReasonForm,
        lambda form: raci_activity_remove(actor=request.user, activity=activity, reason=form.cleaned_data["reason"]),
        contract=contract, anchor="raci", title=f"Remove the RACI activity “{activity.name}”?",
        submit="Remove the activity", done=f"“{activity.name}” removed from the RACI matrix.",
        intro="The activity and its cells leave the matrix; the history keeps them with your reason. This is "
              "possible only until the kickoff is held.")


@login_required
def attendee_remove_view(request, reference, pk):
    contract = _contract(request, reference, "edit")
    attendee = _child(KickoffAttendee, contract, pk, "kickoff__contract")
    who = attendee.user.get_full_name() or attendee.user.username
    if contract.kickoff.is_held and request.method != "POST":
        return _refused(request, HELD)
    intro = "They leave the attendance list; the history keeps them with your reason."
    if attendee.user_id == contract.post_award_manager_id:
        intro += (" They are the post-award contract manager: the kickoff cannot be recorded as held until they "
                  "are on the list again.")
    return contract_form(
        request, ReasonForm,
        lambda form: kickoff_attendee_remove(actor=request.user, attendee=attendee,
                                             reason=form.cleaned_data["reason"]),
        contract=contract, anchor="kickoff", title=f"Remove {who} from the kickoff?", submit="Remove the attendee",
        done=f"{who} removed from the kickoff.", intro=intro)


def _invoice_page(request, reference, pk, *, resolve: bool):
    # whoever may approve invoices on the contract disputes them (the RACI's Accountable for "Approve payments")
    contract = _contract(request, reference, "approve_payment")
    invoice = _child(Invoice, contract, pk)
    wanted = Invoice.Status.DISPUTED if resolve else Invoice.Status.RECEIVED
    if invoice.status != wanted and request.method != "POST":
        return _refused(request, f"Invoice {invoice.number} is {invoice.get_status_display().lower()}; "
                                 + ("only a disputed invoice has a dispute to resolve." if resolve else
                                    "only a received invoice, not yet approved, can be disputed."))
    if resolve:
        return contract_form(
            request, ReasonForm,
            lambda form: invoice_dispute_resolve(actor=request.user, invoice=invoice,
                                                 reason=form.cleaned_data["reason"]),
            contract=contract, anchor=f"invoice-{invoice.pk}", title=f"Resolve the dispute on invoice {invoice.number}",
            submit="Resolve the dispute", done=f"The dispute on invoice {invoice.number} is resolved.",
            intro=f"Disputed because: {invoice.dispute_reason} Once resolved, the invoice is received again and can "
                  "be approved.")
    return contract_form(
        request, ReasonForm,
        lambda form: invoice_dispute(actor=request.user, invoice=invoice, reason=form.cleaned_data["reason"]),
        contract=contract, anchor=f"invoice-{invoice.pk}", title=f"Dispute invoice {invoice.number}?",
        submit="Dispute the invoice", done=f"Invoice {invoice.number} disputed.",
        intro=f"{invoice.amount} {contract.currency}, received on {invoice.received_on:%d %b %Y}. A disputed invoice "
              "is neither approved nor paid; it stays open, and its due date keeps counting, until the dispute is "
              "resolved. Say what is wrong with it.")


@login_required
def invoice_dispute_view(request, reference, pk):
    return _invoice_page(request, reference, pk, resolve=False)


@login_required
def invoice_dispute_resolve_view(request, reference, pk):
    return _invoice_page(request, reference, pk, resolve=True)


urls = [
    path("<str:reference>/raci/<int:pk>/remove/", raci_activity_remove_view, name="raci_activity_remove"),
    path("<str:reference>/kickoff/attendees/<int:pk>/remove/", attendee_remove_view, name="attendee_remove"),
    path("<str:reference>/invoices/<int:pk>/dispute/raise/", invoice_dispute_view, name="invoice_dispute"),
    path("<str:reference>/invoices/<int:pk>/dispute/resolve/", invoice_dispute_resolve_view,
         name="invoice_dispute_resolve"),
]
