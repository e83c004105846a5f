"""Portal pages: the bidder's sealed bid (issue 20).

One page shows the bid as it stands (being prepared, submitted, withdrawn, opened) with each sealed item's kind,
size, sha256 and the time it was added, the receipt once submitted, and the deadline. Nothing here decrypts: the
titles and file names the bidder typed are sealed with the files, so the page shows hashes and sizes only (the
bidder can match them to their own files). Adding, replacing, removing, submitting and withdrawing each have a
page of their own with a confirmation; every page fetches the bid through awards.portal.access and calls one
service of awards.services.sealed."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.urls import path, reverse
from django.views.decorators.http import require_GET

from awards import services
from awards.models import SealedItem, SealedSubmission
from awards.portal.access import bidder_required, portal_bid_or_404
from awards.selectors.timeline import proposals_closed, proposals_deadline
from awards.services.sealed import asks_for_price
from procurement.posting import handle_form

B = "procedures/<str:reference>/bid/"


class UploadForm(forms.Form):
    title = forms.CharField(max_length=200, label="Title",
                            help_text="What this file is, e.g. “Technical proposal”. It is sealed with the file.")
    file = forms.FileField(label="File", help_text="PDF, Office documents, images, CSV, plain text or ZIP.")


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Why you withdraw the bid",
                             help_text="The procurement team sees this reason.")


class ConfirmForm(forms.Form):
    pass


def _page_context(bid) -> dict:
    procedure = bid.procedure
    submission = SealedSubmission.objects.filter(bid=bid).first()
    items = list(submission.items.filter(removed_at__isnull=True).order_by("added_at", "pk")) if submission else []
    status = submission.status if submission else SealedSubmission.Status.DRAFT
    closed = proposals_closed(procedure)
    changeable = (SealedSubmission.Status.DRAFT,) if closed else (
        SealedSubmission.Status.DRAFT, SealedSubmission.Status.SUBMITTED, SealedSubmission.Status.WITHDRAWN)
    can_change = (bid.status == bid.Status.INVITED and status in changeable and procedure.submission == "portal"
                  and not (closed and settings.BATON_LATE_BIDS == "refuse"))
    return {"bid": bid, "portal_procedure": procedure, "can_change": can_change, "procedure": procedure,
            "submission": submission,
            "items": items, "documents": [i for i in items if i.kind == SealedItem.Kind.DOCUMENT],
            "schedule": next((i for i in items if i.kind == SealedItem.Kind.PRICE_SCHEDULE), None),
            "deadline": proposals_deadline(procedure), "closed": closed,
            "late_policy": settings.BATON_LATE_BIDS, "needs_price": asks_for_price(procedure),
            "is_portal": procedure.submission == "portal",
            "max_mb": settings.BATON_SEALED_MAX_BYTES / 1048576}


def _bid(request, reference):
    bid = portal_bid_or_404(request.user, reference)
    if bid.procedure.submission != "portal":
        raise Http404("This procedure does not take bids through the portal.")
    return bid


def _back(reference) -> str:
    return reverse("portal:submission", args=[reference])


@bidder_required
@require_GET
def submission_page(request, reference):
    bid = _bid(request, reference)
    return render(request, "portal/submission/page.html", _page_context(bid))


@bidder_required
def submission_add(request, reference):
    bid = _bid(request, reference)
    return handle_form(
        request, UploadForm,
        lambda form: services.sealed_document_add(actor=request.user, bid=bid, title=form.cleaned_data["title"],
                                                  upload=form.cleaned_data["file"]),
        template="portal/submission/upload.html", context={**_page_context(bid), "replacing": None},
        success=_back(reference), done=_changed(bid, "File sealed and added to your bid."))


def _item(bid, item_id) -> SealedItem:
    item = SealedItem.objects.filter(submission__bid=bid, removed_at__isnull=True, pk=item_id).first()
    if item is None:
        raise Http404("No such item in your bid.")
    return item


def _changed(bid, message: str):
    """The flash message after a change: a bid that was submitted or withdrawn is now back to being prepared."""
    before = SealedSubmission.objects.filter(bid=bid).values_list("status", flat=True).first()
    again = " Your bid is back to being prepared: submit it again before the deadline."

    def done(result) -> str:
        return message + (again if before in (SealedSubmission.Status.SUBMITTED,
                                              SealedSubmission.Status.WITHDRAWN) else "")
    return done


@bidder_required
def submission_replace(request, reference, item_id):
    bid = _bid(request, reference)
    item = _item(bid, item_id)
    return handle_form(
        request, UploadForm,
        lambda form: services.sealed_document_replace(actor=request.user, item=item,
                                                      title=form.cleaned_data["title"],
                                                      upload=form.cleaned_data["file"]),
        template="portal/submission/upload.html", context={**_page_context(bid), "replacing": item},
        success=_back(reference), done=_changed(bid, "File replaced."))


@bidder_required
def submission_remove(request, reference, item_id):
    bid = _bid(request, reference)
    item = _item(bid, item_id)
    return handle_form(
        request, ConfirmForm, lambda form: services.sealed_item_remove(actor=request.user, item=item),
        template="portal/submission/confirm.html",
        context={**_page_context(bid), "action": "remove", "item": item,
                 "title": "Remove this item from your bid?", "submit": "Remove it"},
        success=_back(reference), done=_changed(bid, "Removed from your bid."))


@bidder_required
def submission_submit(request, reference):
    bid = _bid(request, reference)
    return handle_form(
        request, ConfirmForm, lambda form: services.sealed_submit(actor=request.user, bid=bid),
        template="portal/submission/confirm.html",
        context={**_page_context(bid), "action": "submit", "title": "Submit your bid?", "submit": "Submit my bid"},
        success=_back(reference),
        done=lambda s: ("Submitted after the deadline: your bid is sealed and marked late." if s.late
                        else "Submitted. Your bid is sealed until the opening; your receipt is below."))


@bidder_required
def submission_withdraw(request, reference):
    bid = _bid(request, reference)
    return handle_form(
        request, ReasonForm,
        lambda form: services.sealed_withdraw(actor=request.user, bid=bid, reason=form.cleaned_data["reason"]),
        template="portal/submission/confirm.html",
        context={**_page_context(bid), "action": "withdraw", "title": "Withdraw your bid?",
                 "submit": "Withdraw my bid"},
        success=_back(reference), done="Withdrawn. It will not be opened unless you submit it again in time.")


urlpatterns: list = [
    path(B, submission_page, name="submission"),
    path(B + "files/new/", submission_add, name="submission_add"),
    path(B + "items/<int:item_id>/replace/", submission_replace, name="submission_replace"),
    path(B + "items/<int:item_id>/remove/", submission_remove, name="submission_remove"),
    path(B + "submit/", submission_submit, name="submission_submit"),
    path(B + "withdraw/", submission_withdraw, name="submission_withdraw"),
]
