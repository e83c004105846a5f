"""Decision memo pages: the memo, editing and submitting, step-up sign-off, the sign-off inbox, debriefs.

Fetch-and-authorize, call one service, answer with the page (procurement.posting.handle_form): an invalid form
answers 400, a refusal 409.
"""

from copy import copy

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from awards import selectors, services
from awards.forms.memo import DebriefForm, MemoForm, SignOffForm, SubmitForm
from awards.memo_documents import memo_page_data
from awards.models import DecisionMemo
from awards.models.memo import MemoEditConflict
from awards.policies import debrief_policy, memo_policy, one_committee_per_person
from awards.selectors.rationales import rationales_context
from awards.selectors.waivers import waivers_for
from awards.services import approval
from awards.services.approval import signoff_refusal
from awards.services.debrief import debrief_content_hash, debrief_send, debrief_sent_notices
from awards.services.memo import signoff_passkey_options
from awards.views.procedure import procedure_for_request
from procurement.authz import get_for_user_or_404
from procurement.client_address import client_address
from procurement.exceptions import DomainError
from procurement.listing import paginate_sorted
from procurement.passkeys import selectors as passkey_selectors
from procurement.posting import handle_form, refusal


def _memo(request, reference: str, action: str = "view") -> DecisionMemo:
    return get_for_user_or_404(request.user, memo_policy, action=action, queryset=selectors.memos(),
                               procedure__reference=reference)


def _memo_action(request, form_class, call, *, memo, title, submit, done, intro=""):
    return handle_form(request, form_class, call, template="awards/action_form.html",
                       context={"procedure": memo.procedure, "title": title, "submit": submit, "intro": intro},
                       success=memo, done=done)


@login_required
@require_POST
def memo_create(request, reference):
    procedure = procedure_for_request(request, reference, "edit")
    existing = selectors.memo_of(procedure)
    if existing is not None:
        return redirect(existing)
    return handle_form(
        request, forms.Form, lambda form: services.memo_create(actor=request.user, procedure=procedure),
        template="awards/action_form.html", context={"procedure": procedure, "title": "Start the decision memo",
                                                     "submit": "Start"},
        success=lambda memo: redirect("awards:memo_edit", reference=memo.reference),
        done="Decision memo started. Fill in each section, then submit it for approval.")


@login_required
@require_GET
def memo_detail(request, reference):
    memo = _memo(request, reference)
    data = memo_page_data(memo)
    in_approval = memo.status == DecisionMemo.Status.IN_APPROVAL
    sign_refusal = signoff_refusal(memo, request.user) if in_approval else None
    return render(request, "awards/memo/detail.html", {
        **data, "memo_obj": memo, "procedure": memo.procedure,
        "can_edit": memo_policy.allows(request.user, "edit", memo) and not memo.is_approved,
        "can_submit": memo_policy.allows(request.user, "edit", memo) and memo.status == DecisionMemo.Status.DRAFT,
        "sign_refusal": sign_refusal, "can_sign": in_approval and sign_refusal is None,
        "debriefs": selectors.memo_debriefs(request.user, memo),
        "policy_notes": approval.policy_notes(memo.procedure),  # issue 21: which policy versions apply
        # The reasons behind the recommended bid's scores: what the memo asks approvers to sign (never the whole
        # procedure's, 57,600 rows at benchmark size).
        **rationales_context(request.user, memo.procedure, memo=memo,
                             bids=[memo.recommended_bid_id] if memo.recommended_bid_id else []),
    })


def _keep_conflict(form, exc: DomainError) -> bool:
    """Someone saved the memo meanwhile: keep the person's text on the form and say so (409)."""
    if not isinstance(exc, MemoEditConflict):
        return False
    form.conflict(str(exc), current_revision=exc.current_revision)
    return True


@login_required
def memo_edit(request, reference):
    memo = _memo(request, reference, "edit")
    if memo.is_approved:
        return refusal(request, DomainError("This memo is approved and can no longer change."))
    was_draft = memo.status == DecisionMemo.Status.DRAFT

    def saved(_):
        if not was_draft:
            messages.warning(request, "The memo is back in draft: earlier sign-offs no longer count.")
        return "Memo saved."

    def save(form):
        return services.memo_update(actor=request.user, memo=memo, alternatives=form.alternatives(),
                                    residual_risks=form.cleaned_data["residual_risks"],
                                    expected_revision=form.expected_revision(), **form.changes())

    return handle_form(
        request, MemoForm, save, template="awards/memo/form.html", keep_refusal=_keep_conflict,
        context={"memo_obj": memo, "procedure": memo.procedure,
                 "in_approval": memo.status == DecisionMemo.Status.IN_APPROVAL},
        success=memo, done=saved,
        form_kwargs={"instance": copy(memo), "procedure": memo.procedure,
                     "alternatives": selectors.memo_alternatives(memo)})


@login_required
@require_POST
def memo_submit(request, reference):
    memo = _memo(request, reference, "edit")
    return _memo_action(
        request, SubmitForm, lambda form: services.memo_submit(actor=request.user, memo=memo), memo=memo,
        title="Submit the memo for approval", submit="Submit",
        done="Submitted for approval. The committees on the route can now sign it.")


def _waivers_shown(memo) -> list[dict]:
    """The procedure's waivers for the sign-off page; those recorded after this version was submitted are not in
    the content the approver signs, and the page says so."""
    return [{"sentence": w.sentence(), "subject": w.subject,
             "after_submission": bool(memo.submitted_at and w.recorded_at > memo.submitted_at)}
            for w in waivers_for(memo.procedure)]


@login_required
def memo_sign(request, reference):
    """The sign-off page. The step-up is the password (where the person has one) or a passkey: the page's script
    (static/js/passkeys.js) first posts the form here with `passkey_options` to get a challenge bound to this memo
    version, the decision and the committee (JSON), then posts the form with the passkey's answer."""
    memo = _memo(request, reference)
    refused = signoff_refusal(memo, request.user)
    has_passkey = passkey_selectors.has_passkey(request.user)
    context = {"memo_obj": memo, "procedure": memo.procedure, "refusal": refused, "waivers": _waivers_shown(memo),
               "has_passkey": has_passkey, "password_possible": request.user.has_usable_password()}
    if refused and memo.status != DecisionMemo.Status.IN_APPROVAL:
        if request.method == "POST" and request.POST.get("passkey_options"):
            return JsonResponse({"error": refused}, status=409)
        return refusal(request, DomainError(refused))
    if refused:  # seen, but not theirs to sign
        if request.method == "POST" and request.POST.get("passkey_options"):
            return JsonResponse({"error": refused}, status=403)
        return render(request, "awards/memo/sign.html", {**context, "form": SignOffForm()}, status=403)
    route = approval.open_route(memo)
    step_up = "passkey" if request.method == "POST" and request.POST.get("step_up") == "passkey" else "password"
    form_kwargs = {"steps": approval.signable_steps(route, request.user) if route else [],
                   "one_per_person": one_committee_per_person(), "user": request.user, "has_passkey": has_passkey,
                   "step_up": step_up}
    if request.method == "POST" and request.POST.get("passkey_options"):
        return _passkey_options(request, memo, form_kwargs)

    def recorded(_):
        memo.refresh_from_db()
        return f"Your decision is recorded. The memo is {memo.get_status_display().lower()}."

    return handle_form(
        request, SignOffForm,
        lambda form: services.signoff_record(actor=request.user, memo=memo, decision=form.cleaned_data["decision"],
                                             comment=form.cleaned_data["comment"], committee=form.committee(),
                                             client_address=client_address(request), **form.step_up_kwargs()),
        template="awards/memo/sign.html", context=context, success=memo, done=recorded, form_kwargs=form_kwargs)


def _passkey_options(request, memo, form_kwargs) -> JsonResponse:
    """The passkey challenge for the sign-off as filled in so far (JSON for static/js/passkeys.js). Any problem
    answers an error: the script then posts the form, and the page shows the problem next to its field."""
    form = SignOffForm(request.POST, **{**form_kwargs, "step_up": "passkey"}, options_only=True)
    if not form.is_valid():
        return JsonResponse({"error": "Check the form.", "fields": form.errors.get_json_data()}, status=400)
    try:
        options = signoff_passkey_options(actor=request.user, memo=memo,
                                                   decision=form.cleaned_data["decision"], committee=form.committee())
    except ValidationError as exc:
        return JsonResponse({"error": " ".join(exc.messages)}, status=400)
    except DomainError as exc:
        return JsonResponse({"error": str(exc)}, status=409)
    return JsonResponse({"options": options})


@login_required
@require_GET
def memo_inbox(request):
    """Memos waiting for the user's sign-off (open routes with one of their committees, not yet signed)."""
    listing = paginate_sorted(request, selectors.signoff_inbox(request.user), default_sort="-opened",
                              sort_fields={"opened": "created_at", "reference": "memo__procedure__reference"})
    return render(request, "awards/memo/inbox.html", listing)


@login_required
def debrief_edit(request, reference, pk):
    """The lead writes the debrief; a second button ("send", issue 20) sends the saved debrief to the bidder's
    portal (awards.services.debrief.debrief_send: a new notice for each new version of the content)."""
    debrief = get_for_user_or_404(request.user, debrief_policy, action="edit",
                                  queryset=selectors.debriefs_of(reference), pk=pk)
    if not debrief.memo.is_approved:
        raise Http404("No such record.")
    page = reverse("awards:debrief_edit", args=[reference, debrief.pk])
    if request.method == "POST" and request.POST.get("send"):
        try:
            notice = debrief_send(actor=request.user, debrief=debrief)
        except DomainError as exc:
            return refusal(request, exc)
        messages.success(request, "Debrief sent: the bidder's contacts are told in the portal and by e-mail."
                         if notice.sent_now else "The bidder already has this version of the debrief; nothing sent.")
        return redirect(page + "#send")
    sent = list(debrief_sent_notices(debrief).select_related("published_by", "acknowledged_by"))
    return handle_form(
        request, DebriefForm,
        lambda form: services.debrief_update(actor=request.user, debrief=debrief, **form.cleaned_data),
        template="awards/memo/debrief_form.html", context={
            "debrief": debrief, "procedure": debrief.memo.procedure, "sent_notices": sent,
            "changed_since_sent": bool(sent) and not sent[0].key.endswith(f":{debrief_content_hash(debrief)[:16]}"),
            "written": any((getattr(debrief, name) or "").strip() for name in ("strengths", "weaknesses", "advice")),
            **rationales_context(request.user, debrief.memo.procedure, memo=debrief.memo,
                                 bids=[debrief.bid_id, debrief.memo.recommended_bid_id]),
            "rationales_title": "The evaluators' reasons for this bid and the winning bid"},
        success=reverse("awards:memo_detail", args=[reference]), done="Debrief saved.",
        form_kwargs={"instance": copy(debrief)})
