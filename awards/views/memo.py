"""Decision memo pages: the memo, editing and submitting, step-up sign-off, the sign-off inbox, debriefs.

Fetch-and-authorize, call one service, answer with the page. Refusals of the state machine answer 409.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from awards import services
from awards.forms.memo import DebriefForm, MemoForm, SignOffForm
from awards.memo_documents import memo_page_data
from awards.models import ApprovalRoute, AwardProcedure, Debrief, DecisionMemo, MemoAlternative
from awards.models.memo import MemoEditConflict
from awards.policies import debrief_policy, memo_policy, procedure_policy
from awards.services.approval import signoff_refusal
from procurement.authz import get_for_user_or_404
from procurement.exceptions import DomainError
from procurement.listing import paginate_sorted


def _memo(request, reference: str, action: str = "view") -> DecisionMemo:
    return get_for_user_or_404(request.user, memo_policy, action=action,
                               queryset=DecisionMemo.objects.select_related(
                                   "procedure", "author", "recommended_bid__vendor"),
                               procedure__reference=reference)


def _refuse(request, exc: Exception):
    return render(request, "errors/409.html", {"message": str(exc)}, status=409)


def _form_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


@login_required
@require_POST
def memo_create(request, reference):
    procedure = get_for_user_or_404(request.user, procedure_policy, action="edit",
                                    queryset=AwardProcedure.objects.all(), reference=reference)
    existing = DecisionMemo.objects.filter(procedure=procedure).first()
    if existing is not None:
        return redirect(existing)
    try:
        memo = services.memo_create(actor=request.user, procedure=procedure)
    except DomainError as exc:
        return _refuse(request, exc)
    messages.success(request, "Decision memo started. Fill in each section, then submit it for approval.")
    return redirect("awards:memo_edit", reference=memo.reference)


@login_required
@require_GET
def memo_detail(request, reference):
    memo = _memo(request, reference)
    data = memo_page_data(memo)
    debriefs = list(Debrief.objects.filter(memo=memo).select_related("bid__vendor")) \
        if debrief_policy.visible(request.user).filter(memo=memo).exists() else []
    return render(request, "awards/memo/detail.html", {
        **data, "memo_obj": memo, "procedure": memo.procedure,
        "can_edit": memo_policy.allows(request.user, "edit", memo) and not memo.is_approved,
        "can_submit": memo_policy.allows(request.user, "edit", memo) and memo.status == DecisionMemo.Status.DRAFT,
        "sign_refusal": signoff_refusal(memo, request.user) if memo.status == DecisionMemo.Status.IN_APPROVAL else None,
        "can_sign": memo.status == DecisionMemo.Status.IN_APPROVAL and signoff_refusal(memo, request.user) is None,
        "debriefs": debriefs,
    })


@login_required
def memo_edit(request, reference):
    memo = _memo(request, reference, "edit")
    if memo.is_approved:
        return _refuse(request, DomainError("This memo is approved and can no longer change."))
    alternatives = list(MemoAlternative.objects.filter(memo=memo).select_related("bid__vendor"))
    form = MemoForm(request.POST or None, instance=memo, procedure=memo.procedure, alternatives=alternatives)
    if request.method == "POST" and form.is_valid():
        original = DecisionMemo.objects.get(pk=memo.pk)
        try:
            services.memo_update(actor=request.user, memo=original, alternatives=form.alternatives(),
                                 residual_risks=form.cleaned_data["residual_risks"],
                                 expected_revision=form.expected_revision(), **form.changes())
        except ValidationError as exc:
            _form_errors(form, exc)
        except MemoEditConflict as exc:
            form.conflict(str(exc), current_revision=exc.current_revision)
            return render(request, "awards/memo/form.html", {
                "form": form, "memo_obj": memo, "procedure": memo.procedure, "conflict": True,
                "in_approval": memo.status == DecisionMemo.Status.IN_APPROVAL}, status=409)
        except DomainError as exc:
            return _refuse(request, exc)
        else:
            if original.status != DecisionMemo.Status.DRAFT:
                messages.warning(request, "The memo is back in draft: earlier sign-offs no longer count.")
            messages.success(request, "Memo saved.")
            return redirect(memo)
    return render(request, "awards/memo/form.html", {"form": form, "memo_obj": memo, "procedure": memo.procedure,
                                                     "in_approval": memo.status == DecisionMemo.Status.IN_APPROVAL})


@login_required
@require_POST
def memo_submit(request, reference):
    memo = _memo(request, reference, "edit")
    if request.POST.get("confirm") != "yes":
        messages.error(request, "Tick the confirmation to submit the memo.")
        return redirect(memo)
    try:
        services.memo_submit(actor=request.user, memo=memo)
    except DomainError as exc:
        return _refuse(request, exc)
    messages.success(request, "Submitted for approval. The committees on the route can now sign it.")
    return redirect(memo)


@login_required
def memo_sign(request, reference):
    memo = _memo(request, reference)
    refusal = signoff_refusal(memo, request.user)
    if refusal and memo.status != DecisionMemo.Status.IN_APPROVAL:
        return _refuse(request, DomainError(refusal))
    form = SignOffForm(request.POST or None)
    if request.method == "POST" and not refusal and form.is_valid():
        try:
            services.signoff_record(actor=request.user, memo=memo, decision=form.cleaned_data["decision"],
                                    comment=form.cleaned_data["comment"], password=form.cleaned_data["password"])
        except ValidationError as exc:
            _form_errors(form, exc)
        except DomainError as exc:
            return _refuse(request, exc)
        else:
            memo.refresh_from_db()
            messages.success(request, f"Your decision is recorded. The memo is {memo.get_status_display().lower()}.")
            return redirect(memo)
    return render(request, "awards/memo/sign.html", {"form": form, "memo_obj": memo, "procedure": memo.procedure,
                                                     "refusal": refusal},
                  status=403 if refusal else (400 if form.errors else 200))  # seen, but not theirs to sign


@login_required
@require_GET
def memo_inbox(request):
    """Memos waiting for the user's sign-off (open routes with one of their committees, not yet signed)."""
    routes = (ApprovalRoute.objects.filter(status=ApprovalRoute.Status.OPEN, steps__committee__members=request.user)
              .exclude(signoffs__signer=request.user).exclude(memo__author=request.user)
              .select_related("memo__procedure", "version").distinct())
    listing = paginate_sorted(request, routes, default_sort="-opened",
                              sort_fields={"opened": "created_at", "reference": "memo__procedure__reference"})
    return render(request, "awards/memo/inbox.html", listing)


@login_required
def debrief_edit(request, reference, pk):
    debrief = get_for_user_or_404(request.user, debrief_policy, action="edit",
                                  queryset=Debrief.objects.select_related("memo__procedure", "bid__vendor")
                                  .filter(memo__procedure__reference=reference), pk=pk)
    form = DebriefForm(request.POST or None, instance=debrief)
    if request.method == "POST" and form.is_valid():
        original = Debrief.objects.get(pk=debrief.pk)
        try:
            services.debrief_update(actor=request.user, debrief=original, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        except DomainError as exc:
            return _refuse(request, exc)
        else:
            messages.success(request, "Debrief saved.")
            return redirect("awards:memo_detail", reference=reference)
    if not debrief.memo.is_approved:
        raise Http404("No such record.")
    return render(request, "awards/memo/debrief_form.html", {"form": form, "debrief": debrief,
                                                             "procedure": debrief.memo.procedure})
