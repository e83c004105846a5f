"""Internal pages of the bidders' portal (issue 20), for the procedure's lead: invite a bid's contacts, revoke a
link not used yet, add or withdraw RFP documents, publish a clarification or several answers at once, and see
every notice sent to bidders with who was told when and who acknowledged. `urls` is appended to awards.urls.

Fetch-and-authorize (awards.views.procedure helpers, the procedure policy), then call one service."""

from __future__ import annotations

import secrets

from django import forms
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from awards.models import Bid, BidderInvitation, BidderNotice, Question, RfpDocument
from awards.models.procedure import Submission
from awards.policies import procedure_policy, sees_all_bids
from awards.services.invitations import bidder_invitation_revoke, bidder_invite_contacts
from awards.services.qa import questions_publish
from awards.services.rfp_documents import bidder_clarification_publish, rfp_document_add, rfp_document_withdraw
from awards.views.procedure import action_page, procedure_for_request
from procurement.exceptions import EvidenceTampered
from procurement.notifications.models import Notification
from procurement.uploads import verified_download
from vendors.models import VendorContact

P = "<str:reference>/"


def _editable_portal_procedure(request, reference):
    procedure = procedure_for_request(request, reference, action="edit")
    if procedure.submission != Submission.PORTAL:
        raise Http404("This procedure does not use the bidders' portal.")
    return procedure


# --- forms ---------------------------------------------------------------------------------------------------

class InviteContactsForm(forms.Form):
    contacts = forms.ModelMultipleChoiceField(
        label="Contacts to invite", queryset=VendorContact.objects.none(), widget=forms.CheckboxSelectMultiple,
        help_text="Each gets their own e-mail with a link that works once. Contacts without an e-mail address "
                  "cannot be invited; add one on the vendor's page.")

    def __init__(self, *args, bid: Bid, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contacts"].queryset = VendorContact.objects.filter(vendor=bid.vendor).exclude(email="")
        self.fields["contacts"].label_from_instance = lambda c: f"{c} <{c.email}>"


class ReasonForm(forms.Form):
    reason = forms.CharField(label="Reason", widget=forms.Textarea(attrs={"rows": 3}), max_length=1000)


class RfpDocumentForm(forms.Form):
    title = forms.CharField(label="Title", max_length=200, help_text="What bidders will see, e.g. “Annex B: "
                                                                     "service levels”.")
    file = forms.FileField(label="File")


class ClarificationForm(forms.Form):
    subject = forms.CharField(label="Subject", max_length=150)
    body = forms.CharField(label="Text", widget=forms.Textarea(attrs={"rows": 10}), max_length=20000,
                           help_text="Plain text, shown to every invited bidder exactly as written.")
    key = forms.CharField(widget=forms.HiddenInput)  # one publication however often the form is posted


class PublishAnswersForm(forms.Form):
    questions = forms.ModelMultipleChoiceField(
        label="Answers to publish", queryset=Question.objects.none(), widget=forms.CheckboxSelectMultiple,
        help_text="Every invited bidder gets one notice with all the answers chosen, in their published wording.")

    def __init__(self, *args, procedure, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["questions"].queryset = (Question.objects.filter(procedure=procedure, published_at=None)
                                             .exclude(answer="").order_by("number"))
        self.fields["questions"].label_from_instance = lambda q: f"Q{q.number}. {q.published_question[:120]}"


# --- invitations ---------------------------------------------------------------------------------------------

@login_required
def invite_contacts(request, reference, pk):
    procedure = _editable_portal_procedure(request, reference)
    bid = get_object_or_404(Bid.objects.select_related("vendor"), procedure=procedure, pk=pk)
    return action_page(
        request, InviteContactsForm,
        lambda form: bidder_invite_contacts(actor=request.user, bid=bid, contacts=form.cleaned_data["contacts"]),
        procedure=procedure, title=f"Invite {bid.vendor}'s contacts to the bidders' portal",
        intro="The invitation e-mail names you and the procedure, and carries a link that works once. When the "
              "contact opens it they create their sign-in and see this procedure in the portal.",
        submit="Send the invitations", form_kwargs={"bid": bid},
        success=f"{procedure.get_absolute_url()}#portal",
        done=lambda sent: f"{len(sent)} invitation{'s' if len(sent) != 1 else ''} queued for sending.")


@login_required
def invitation_revoke(request, reference, pk):
    procedure = _editable_portal_procedure(request, reference)
    invitation = get_object_or_404(BidderInvitation.objects.select_related("bid__vendor", "contact"),
                                   bid__procedure=procedure, pk=pk)
    return action_page(
        request, ReasonForm,
        lambda form: bidder_invitation_revoke(actor=request.user, invitation=invitation,
                                              reason=form.cleaned_data["reason"]),
        procedure=procedure, title=f"Revoke the invitation of {invitation.contact.name}", danger=True,
        intro=f"The link sent to {invitation.email} will stop working. This cannot be undone; you can send a new "
              "invitation afterwards.", submit="Revoke the invitation",
        success=f"{procedure.get_absolute_url()}#portal", done="Invitation revoked.")


# --- RFP documents and clarifications ------------------------------------------------------------------------

@login_required
def document_add(request, reference):
    procedure = _editable_portal_procedure(request, reference)
    return action_page(
        request, RfpDocumentForm,
        lambda form: rfp_document_add(actor=request.user, procedure=procedure, title=form.cleaned_data["title"],
                                      upload=form.cleaned_data["file"]),
        procedure=procedure, title="Add an RFP document", multipart=True, submit="Add the document",
        intro="Every invited bidder can download it from the portal. Once the RFP is issued, each bidder is also "
              "told about it in a notice.",
        success=f"{procedure.get_absolute_url()}#portal", done="RFP document added.")


@login_required
def document_withdraw(request, reference, pk):
    procedure = _editable_portal_procedure(request, reference)
    document = get_object_or_404(RfpDocument, procedure=procedure, pk=pk, withdrawn_at=None)
    return action_page(
        request, ReasonForm,
        lambda form: rfp_document_withdraw(actor=request.user, document=document,
                                           reason=form.cleaned_data["reason"]),
        procedure=procedure, title=f"Withdraw “{document.title}”", danger=True, submit="Withdraw the document",
        intro="Bidders will no longer be able to download it; the file is kept on record. Once the RFP is issued, "
              "every bidder is told, with your reason.",
        success=f"{procedure.get_absolute_url()}#portal", done="RFP document withdrawn.")


@login_required
@require_GET
def document_download(request, reference, pk):
    procedure = procedure_for_request(request, reference)
    document = get_object_or_404(RfpDocument, procedure=procedure, pk=pk)
    try:
        return verified_download(document.file, sha256=document.sha256, filename=document.original_name,
                                 content_type=document.content_type, what="This document")
    except EvidenceTampered as exc:
        message = str(exc) if exc.missing else ("This document no longer matches the fingerprint taken when it was "
                                                "stored; it is withheld.")
        return render(request, "errors/409.html", {"message": message}, status=409)


@login_required
def clarification_new(request, reference):
    procedure = _editable_portal_procedure(request, reference)
    initial = None if request.method == "POST" else {"key": secrets.token_hex(8)}
    return action_page(
        request, ClarificationForm,
        lambda form: bidder_clarification_publish(actor=request.user, procedure=procedure,
                                                  subject=form.cleaned_data["subject"],
                                                  body=form.cleaned_data["body"], key=form.cleaned_data["key"]),
        procedure=procedure, title="Publish a clarification to every bidder", submit="Publish to every bidder",
        intro="Every bidder still taking part reads it in the portal, and their contacts are e-mailed. What is "
              "published cannot be changed or taken back; publish a further clarification to correct it.",
        form_kwargs={"initial": initial} if initial else None,
        success=reverse("awards:bidder_notices", args=[reference]),
        done=lambda sent: f"Clarification published to {len(sent)} bidder{'s' if len(sent) != 1 else ''}.")


@login_required
def answers_publish(request, reference):
    procedure = procedure_for_request(request, reference, action="edit")
    return action_page(
        request, PublishAnswersForm,
        lambda form: questions_publish(actor=request.user, procedure=procedure,
                                       questions=form.cleaned_data["questions"]),
        procedure=procedure, title="Publish answers to every bidder", submit="Publish the answers",
        intro="The questions are published in their published wording, which never names the bidder who asked. "
              "A published answer cannot change.", form_kwargs={"procedure": procedure},
        success=f"{procedure.get_absolute_url()}#qa",
        done=lambda published: f"{len(published)} answer{'s' if len(published) != 1 else ''} published.")


# --- who was told what -------------------------------------------------------------------------------------

def notices_told(procedure) -> list[dict]:
    """The procedure's bidder notices grouped by publication (key), each with its bids, when they were told,
    the contacts notified (their notification rows and e-mail status) and who acknowledged. Four queries."""
    notices = list(BidderNotice.objects.filter(procedure=procedure)
                   .select_related("bid__vendor", "published_by", "acknowledged_by")
                   .order_by("-published_at", "key", "bid__vendor__legal_name"))
    keys = [f"bidder_notice:{notice.pk}" for notice in notices]
    sent: dict[str, list] = {}
    for row in (Notification.objects.filter(key__in=keys).select_related("recipient")
                .order_by("recipient__last_name", "recipient__username")):
        sent.setdefault(row.key, []).append(row)
    groups: dict[str, dict] = {}
    for notice in notices:
        group = groups.setdefault(notice.key, {"key": notice.key, "subject": notice.subject,
                                               "kind": notice.get_kind_display(), "published_at": notice.published_at,
                                               "published_by": notice.published_by, "rows": []})
        group["rows"].append({"notice": notice, "notifications": sent.get(f"bidder_notice:{notice.pk}", [])})
    return list(groups.values())


@login_required
@require_GET
def bidder_notices(request, reference):
    procedure = procedure_for_request(request, reference)
    if procedure.submission != Submission.PORTAL:
        raise Http404("This procedure does not use the bidders' portal.")
    return render(request, "awards/invitations/notices.html", {
        "procedure": procedure, "groups": notices_told(procedure),
        "can_edit": procedure_policy.allows(request.user, "edit", procedure)})


def panel_context(procedure, user) -> dict:
    """The procedure page's portal panel: per bid its contacts and their invitations, the RFP documents, and a
    count of notices sent and acknowledged. A fixed number of queries, whatever the number of bids."""
    if procedure.submission != Submission.PORTAL or not sees_all_bids(user, procedure):
        return {"show": False}  # it lists every bid and its contacts: not for an evaluator who sees only some
    invitations = BidderInvitation.objects.select_related("accepted_by", "invited_by").order_by("-created_at", "-pk")
    bids = list(Bid.objects.filter(procedure=procedure).select_related("vendor").order_by("vendor__legal_name", "pk")
                .prefetch_related("vendor__contacts", Prefetch("invitations", queryset=invitations)))
    rows = []
    for bid in bids:
        by_contact: dict[int, list] = {}
        for invitation in bid.invitations.all():
            by_contact.setdefault(invitation.contact_id, []).append(invitation)
        contacts = [{"contact": contact, "invitations": by_contact.get(contact.pk, [])}
                    for contact in bid.vendor.contacts.all()]
        rows.append({"bid": bid, "contacts": contacts})
    notices = BidderNotice.objects.filter(procedure=procedure)
    return {"show": True, "procedure": procedure, "rows": rows, "now": timezone.now(),
            "documents": list(RfpDocument.objects.filter(procedure=procedure).order_by("created_at", "pk")),
            "notice_count": notices.count(), "unacknowledged": notices.filter(acknowledged_at=None).count(),
            "can_edit": procedure.is_open and procedure_policy.allows(user, "edit", procedure)}


urls: list = [
    path(P + "bids/<int:pk>/portal-invitations/", invite_contacts, name="bidder_invite"),
    path(P + "portal-invitations/<int:pk>/revoke/", invitation_revoke, name="bidder_invitation_revoke"),
    path(P + "rfp-documents/new/", document_add, name="rfp_document_add"),
    path(P + "rfp-documents/<int:pk>/", document_download, name="rfp_document_download"),
    path(P + "rfp-documents/<int:pk>/withdraw/", document_withdraw, name="rfp_document_withdraw"),
    path(P + "clarifications/new/", clarification_new, name="bidder_clarification"),
    path(P + "questions/publish/", answers_publish, name="questions_publish"),
    path(P + "bidder-notices/", bidder_notices, name="bidder_notices"),
]
