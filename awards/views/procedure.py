"""Views: fetch-and-authorize, call one service, answer with the page. No business rules here."""

import csv
import io

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from awards import selectors, services
from awards.forms.procedure import (
    AnswerForm,
    AssignForm,
    BidDecisionForm,
    DeclareForm,
    DocumentForm,
    InviteForm,
    LateDecisionForm,
    PovCriterionForm,
    PovResultForm,
    ProcedureFilterForm,
    ProcedureForm,
    QuestionForm,
    ReasonForm,
    ReferenceForm,
    RequirementForm,
    ReviewForm,
    TimelineForm,
)
from awards.models import (
    AwardProcedure,
    Bid,
    ConflictDeclaration,
    PovCriterion,
    ProposalDocument,
    Question,
    Requirement,
)
from awards.policies import bid_policy, procedure_policy
from awards.uploads import sha256_of_stored
from procurement.authz import get_for_user_or_404
from procurement.exceptions import DomainError, InvalidTransition
from procurement.forms import attempt_service
from procurement.listing import paginate_sorted
from procurement.spreadsheets import neutralise
from vendors.models import Vendor
from vendors.policies import vendor_policy

# --- helpers ------------------------------------------------------------------------------------------------


def procedure_for_request(request, reference: str, action: str = "view") -> AwardProcedure:
    return get_for_user_or_404(request.user, procedure_policy, action=action,
                               queryset=AwardProcedure.objects.select_related("lead", "business_owner"),
                               reference=reference)


def _bid(request, reference: str, pk: int, action: str = "view") -> Bid:
    return get_for_user_or_404(request.user, bid_policy, action=action,
                               queryset=Bid.objects.select_related("procedure", "vendor")
                               .filter(procedure__reference=reference), pk=pk)




def _action_page(request, *, procedure, form, title: str, intro: str = "", submit: str = "Save",
                 danger: bool = False, bid=None, multipart: bool = False, status: int = 200, extra=None):
    context = {"procedure": procedure, "form": form, "title": title, "intro": intro, "submit": submit,
               "danger": danger, "bid": bid, "multipart": multipart, **(extra or {})}
    return render(request, "awards/action_form.html", context, status=status)


# --- procedures ---------------------------------------------------------------------------------------------


@login_required
@require_GET
def procedure_list(request):
    filters = ProcedureFilterForm(request.GET or None)
    params = filters.cleaned_data if filters.is_valid() else {}
    queryset = selectors.procedure_list(request.user, q=params.get("q", ""), stage=params.get("stage", ""),
                                        category=params.get("category", ""))
    listing = paginate_sorted(request, queryset, default_sort="-created", sort_fields={
        "reference": "reference", "title": "title", "stage": "stage", "category": "category",
        "value": "estimated_value", "created": "created_at", "award": "target_award_date",
    })
    columns = [("reference", "Reference", True), ("title", "Title", True), ("stage", "Stage", True),
               ("category", "Category", True), ("value", "Estimated value", True), ("bids", "Bidders", False),
               ("award", "Target award", True)]
    return render(request, "awards/procedure_list.html", {
        **listing, "filters": filters, "columns": columns, "row_template": "awards/_procedure_row.html",
        "can_create": procedure_policy.allows(request.user, "create"),
    })


@login_required
def procedure_create(request):
    if not procedure_policy.allows(request.user, "create"):
        raise Http404("No such page.")
    form = ProcedureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = {}

        def call():
            result["procedure"] = services.procedure_create(actor=request.user, **form.cleaned_data)

        if attempt_service(form, call):
            messages.success(request, f"Procedure {result['procedure'].reference} created.")
            return redirect(result["procedure"])
    return render(request, "awards/procedure_form.html", {"form": form, "title": "New award procedure"})


@login_required
@require_GET
def procedure_detail(request, reference):
    procedure = procedure_for_request(request, reference)
    context = selectors.procedure_page(procedure, request.user)
    context["can_edit"] = procedure_policy.allows(request.user, "edit", procedure)
    context["can_agree"] = procedure_policy.allows(request.user, "agree_requirements", procedure)
    return render(request, "awards/procedure_detail.html", context)


@login_required
def procedure_edit(request, reference):
    procedure = procedure_for_request(request, reference, "edit")
    form = ProcedureForm(request.POST or None, instance=procedure)
    if request.method == "POST" and form.is_valid():
        original = AwardProcedure.objects.get(pk=procedure.pk)
        if attempt_service(form, lambda: services.procedure_update(actor=request.user, procedure=original,
                                                             **form.cleaned_data)):
            messages.success(request, "Details saved.")
            return redirect(procedure)
    return render(request, "awards/procedure_form.html", {"form": form, "procedure": procedure,
                                                          "title": f"Edit {procedure.reference}"})


@login_required
def procedure_timeline(request, reference):
    procedure = procedure_for_request(request, reference, "edit")
    original = AwardProcedure.objects.get(pk=procedure.pk)
    form = TimelineForm(request.POST or None, instance=procedure)
    if request.method == "POST" and form.is_valid() and attempt_service(
            form, lambda: services.procedure_set_timeline(actor=request.user, procedure=original,
                                                               **form.cleaned_data)):
        messages.success(request, "Timeline saved.")
        return redirect(procedure)
    return _action_page(request, procedure=original, form=form, title="Timeline",
                        intro="Dates run in this order; each must come after the one before it.",
                        submit="Save timeline")


@login_required
def procedure_advance(request, reference):
    procedure = procedure_for_request(request, reference, "edit")
    target = request.POST.get("target") or request.GET.get("target") or ""
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and attempt_service(
            form, lambda: services.procedure_advance(actor=request.user, procedure=procedure, target=target,
                                                          reason=form.cleaned_data["reason"])):
        messages.success(request, f"{procedure.reference} moved on.")
        return redirect(procedure)
    return _action_page(request, procedure=procedure, form=form, title="Move to the next stage",
                        submit="Move on", extra={"hidden": {"target": target}})


@login_required
def procedure_cancel(request, reference):
    procedure = procedure_for_request(request, reference, "edit")
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and attempt_service(
            form, lambda: services.procedure_cancel(actor=request.user, procedure=procedure,
                                                         reason=form.cleaned_data["reason"])):
        messages.success(request, f"{procedure.reference} cancelled.")
        return redirect(procedure)
    return _action_page(request, procedure=procedure, form=form, title=f"Cancel {procedure.reference}",
                        intro="Cancelling ends the procedure for good. Say why: it is kept in the audit trail.",
                        submit="Cancel the procedure", danger=True)


# --- requirements -------------------------------------------------------------------------------------------


@login_required
def requirement_add(request, reference):
    procedure = procedure_for_request(request, reference, "edit")
    form = RequirementForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and attempt_service(
            form, lambda: services.requirement_add(actor=request.user, procedure=procedure,
                                                        **form.cleaned_data)):
        messages.success(request, "Requirement added.")
        return redirect(procedure.get_absolute_url() + "#requirements")
    return _action_page(request, procedure=procedure, form=form, title="Add a requirement", submit="Add")


@login_required
def requirement_edit(request, reference, pk):
    procedure = procedure_for_request(request, reference, "edit")
    requirement = Requirement.objects.filter(procedure=procedure, pk=pk).first()
    if requirement is None:
        raise Http404("No such requirement.")
    form = RequirementForm(request.POST or None, instance=Requirement.objects.get(pk=pk))
    if request.method == "POST" and form.is_valid() and attempt_service(
            form, lambda: services.requirement_update(actor=request.user, requirement=requirement,
                                                           **form.cleaned_data)):
        messages.success(request, "Requirement saved.")
        return redirect(procedure.get_absolute_url() + "#requirements")
    return _action_page(request, procedure=procedure, form=form, title=f"Edit {requirement.code}",
                        intro="A changed requirement needs the business owner's agreement again.")


@login_required
@require_POST
def requirement_agree(request, reference, pk):
    procedure = procedure_for_request(request, reference, "agree_requirements")
    requirement = Requirement.objects.filter(procedure=procedure, pk=pk).first()
    if requirement is None:
        raise Http404("No such requirement.")
    try:
        services.requirement_agree(actor=request.user, requirement=requirement)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{requirement.code} agreed.")
    return redirect(procedure.get_absolute_url() + "#requirements")


@login_required
@require_POST
def requirements_agree_all(request, reference):
    procedure = procedure_for_request(request, reference, "agree_requirements")
    pending = list(Requirement.objects.filter(procedure=procedure, agreed_at__isnull=True))
    try:
        for requirement in pending:
            services.requirement_agree(actor=request.user, requirement=requirement)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{len(pending)} requirement{'s' if len(pending) != 1 else ''} agreed.")
    return redirect(procedure.get_absolute_url() + "#requirements")


# --- bids ---------------------------------------------------------------------------------------------------


@login_required
def bid_invite(request, reference):
    procedure = procedure_for_request(request, reference, "edit")
    vendors = (vendor_policy.visible(request.user).exclude(bids__procedure=procedure)
               .exclude(status=Vendor.Status.EXITED).order_by("legal_name"))
    form = InviteForm(request.POST or None, vendors=vendors)
    if request.method == "POST" and form.is_valid():
        vendor = form.cleaned_data["vendor"]
        if attempt_service(form, lambda: services.bid_invite(actor=request.user, procedure=procedure, vendor=vendor)):
            messages.success(request, f"{vendor} invited.")
            return redirect(procedure.get_absolute_url() + "#bids")
    return _action_page(request, procedure=procedure, form=form, title="Invite a vendor", submit="Invite",
                        intro="The vendor's tier sets what the bid owes: reference checks and whether a "
                              "demo/POV is required.")


@login_required
@require_GET
def bid_detail(request, reference, pk):
    bid = _bid(request, reference, pk)
    bid = (Bid.objects.select_related("procedure", "vendor", "pov", "late_decided_by", "invited_by")
           .prefetch_related("documents__uploaded_by", "reference_checks__recorded_by", "pov__criteria")
           .get(pk=bid.pk))
    return render(request, "awards/bid_detail.html", {
        "bid": bid, "procedure": bid.procedure, "pov": selectors.pov_outcome(bid),
        "references": selectors.reference_status(bid), "documents": list(bid.documents.all()),
        "checks": list(bid.reference_checks.all()),
        "criteria": list(bid.pov.criteria.all()) if selectors._has_pov(bid) else [],
        "can_edit": bid_policy.allows(request.user, "edit", bid),
    })


def _bid_reason_action(request, reference, pk, *, form_class, title, intro, submit, call, danger=False,
                       done="Saved."):
    bid = _bid(request, reference, pk, "edit")
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid() and attempt_service(form, lambda: call(bid, form.cleaned_data)):
        messages.success(request, done)
        return redirect(bid)
    return _action_page(request, procedure=bid.procedure, bid=bid, form=form, title=title, intro=intro,
                        submit=submit, danger=danger)


@login_required
def bid_decline(request, reference, pk):
    return _bid_reason_action(
        request, reference, pk, form_class=ReasonForm, title="Record that the vendor declined",
        intro="The vendor will take no further part.", submit="Record the decline", danger=True,
        call=lambda bid, data: services.bid_decline(actor=request.user, bid=bid, reason=data["reason"]),
        done="Decline recorded.")


@login_required
def bid_late_decision(request, reference, pk):
    return _bid_reason_action(
        request, reference, pk, form_class=LateDecisionForm, title="Decide on a late bid",
        intro="The proposal arrived after the due date. It takes part only if you admit it.", submit="Record",
        call=lambda bid, data: services.bid_decide_late(actor=request.user, bid=bid, admit=data["decision"] == "admit",
                                                        reason=data["reason"]),
        done="Decision recorded.")


@login_required
def bid_decide(request, reference, pk):
    return _bid_reason_action(
        request, reference, pk, form_class=BidDecisionForm, title="Shortlist or knock out",
        intro="", submit="Record",
        call=lambda bid, data: services.bid_decide(actor=request.user, bid=bid, status=data["status"],
                                                   reason=data["reason"]),
        done="Decision recorded.")


@login_required
def document_add(request, reference, pk):
    bid = _bid(request, reference, pk, "edit")
    form = DocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid() and attempt_service(
            form, lambda: services.proposal_document_add(actor=request.user, bid=bid,
                                                              title=form.cleaned_data["title"],
                                                              upload=form.cleaned_data["file"])):
        messages.success(request, "Document stored.")
        return redirect(bid)
    return _action_page(request, procedure=bid.procedure, bid=bid, form=form, title="Add a proposal document",
                        submit="Upload", multipart=True)


@login_required
@require_POST
def bid_submission(request, reference, pk):
    bid = _bid(request, reference, pk, "edit")
    try:
        bid = services.bid_record_submission(actor=request.user, bid=bid)
    except DomainError as exc:
        if isinstance(exc, InvalidTransition):
            raise
        messages.error(request, str(exc))
    else:
        if bid.late_decision == Bid.LateDecision.PENDING:
            messages.warning(request, "Received after the due date: flagged late. Decide whether to admit it.")
        else:
            messages.success(request, "Proposal recorded as received.")
    return redirect(bid)


@login_required
@require_GET
def document_download(request, reference, pk, document_id):
    bid = _bid(request, reference, pk)
    document = ProposalDocument.objects.filter(bid=bid, pk=document_id).first()
    if document is None:
        raise Http404("No such document.")
    if sha256_of_stored(document.file) != document.sha256:
        return render(request, "errors/409.html", {"message": "This file no longer matches the fingerprint taken "
                                                              "when it was stored; it is withheld. Tell the "
                                                              "procurement lead."}, status=409)
    response = FileResponse(document.file.open("rb"), as_attachment=True, filename=document.original_name,
                            content_type=document.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- POV and references ---------------------------------------------------------------------------------------


@login_required
def pov_criterion_add(request, reference, pk):
    bid = _bid(request, reference, pk, "edit")
    form = PovCriterionForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and attempt_service(
            form, lambda: services.pov_criterion_add(actor=request.user, bid=bid, **form.cleaned_data)):
        messages.success(request, "Criterion added.")
        return redirect(bid.get_absolute_url() + "#pov")
    return _action_page(request, procedure=bid.procedure, bid=bid, form=form, title="Add a POV success criterion",
                        intro="Our own measure of success, fixed before the demo (e.g. answer accuracy on our "
                              "200 tickets at least 85 %).", submit="Add",
                        status=409 if form.non_field_errors() else 200)


@login_required
def pov_criterion_edit(request, reference, pk, criterion_id):
    bid = _bid(request, reference, pk, "edit")
    criterion = PovCriterion.objects.filter(protocol__bid=bid, pk=criterion_id).select_related("protocol__bid").first()
    if criterion is None:
        raise Http404("No such criterion.")
    form = PovCriterionForm(request.POST or None, instance=PovCriterion.objects.get(pk=criterion.pk))
    if request.method == "POST" and form.is_valid() and attempt_service(
            form, lambda: services.pov_criterion_update(actor=request.user, criterion=criterion,
                                                             **form.cleaned_data)):
        messages.success(request, "Criterion saved.")
        return redirect(bid.get_absolute_url() + "#pov")
    status = 409 if form.non_field_errors() else 200
    return _action_page(request, procedure=bid.procedure, bid=bid, form=form, title="Change a POV criterion",
                        status=status)


@login_required
def pov_lock(request, reference, pk):
    bid = _bid(request, reference, pk, "edit")
    form = forms.Form(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid() and attempt_service(
            form, lambda: services.pov_lock(actor=request.user, bid=bid)):
        messages.success(request, "POV protocol locked; its criteria are pinned by their sha256.")
        return redirect(bid.get_absolute_url() + "#pov")
    return _action_page(request, procedure=bid.procedure, bid=bid, form=form,
                        title="Lock the POV protocol", submit="Lock the protocol",
                        intro="Once locked, the criteria cannot change; results are entered against them after "
                              "the demo.", status=409 if form.is_bound and form.non_field_errors() else 200)


@login_required
def pov_result(request, reference, pk, criterion_id):
    bid = _bid(request, reference, pk, "edit")
    criterion = PovCriterion.objects.filter(protocol__bid=bid, pk=criterion_id).select_related("protocol__bid").first()
    if criterion is None:
        raise Http404("No such criterion.")
    form = PovResultForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and attempt_service(
            form, lambda: services.pov_result_record(actor=request.user, criterion=criterion,
                                                          value=form.cleaned_data["value"],
                                                          note=form.cleaned_data["note"])):
        messages.success(request, "Result recorded.")
        return redirect(bid.get_absolute_url() + "#pov")
    return _action_page(request, procedure=bid.procedure, bid=bid, form=form,
                        title=f"Result: {criterion}", submit="Record the result")


@login_required
def reference_add(request, reference, pk):
    bid = _bid(request, reference, pk, "edit")
    form = ReferenceForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and attempt_service(
            form, lambda: services.reference_check_add(actor=request.user, bid=bid, **form.cleaned_data)):
        messages.success(request, "Reference check recorded.")
        return redirect(bid.get_absolute_url() + "#references")
    return _action_page(request, procedure=bid.procedure, bid=bid, form=form, title="Record a reference check",
                        submit="Record")


# --- Q&A ------------------------------------------------------------------------------------------------------


@login_required
def question_add(request, reference):
    procedure = procedure_for_request(request, reference, "edit")
    bids = selectors.procedure_bids(procedure).exclude(status=Bid.Status.DECLINED)
    form = QuestionForm(request.POST or None, bids=bids)
    if request.method == "POST" and form.is_valid() and attempt_service(
            form, lambda: services.question_record(actor=request.user, procedure=procedure,
                                                        **form.cleaned_data)):
        messages.success(request, "Question logged.")
        return redirect(procedure.get_absolute_url() + "#qa")
    return _action_page(request, procedure=procedure, form=form, title="Log a bidder's question", submit="Log it")


def _question(procedure, pk) -> Question:
    question = Question.objects.filter(procedure=procedure, pk=pk).first()
    if question is None:
        raise Http404("No such question.")
    return question


@login_required
def question_answer(request, reference, pk):
    procedure = procedure_for_request(request, reference, "edit")
    question = _question(procedure, pk)
    initial = {"answer": question.answer, "public_text": question.public_text}
    form = AnswerForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid() and attempt_service(
            form, lambda: services.question_answer(actor=request.user, question=question,
                                                        **form.cleaned_data)):
        messages.success(request, f"Q{question.number} answered.")
        return redirect(procedure.get_absolute_url() + "#qa")
    return _action_page(request, procedure=procedure, form=form, title=f"Answer Q{question.number}",
                        submit="Save the answer", extra={"question": question})


@login_required
@require_POST
def question_publish(request, reference, pk):
    procedure = procedure_for_request(request, reference, "edit")
    question = _question(procedure, pk)
    try:
        services.question_publish(actor=request.user, question=question)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Q{question.number} published to all bidders, without saying who asked.")
    return redirect(procedure.get_absolute_url() + "#qa")


@login_required
@require_GET
def qa_export(request, reference):
    """The published Q&A as CSV, to send to every bidder. It never contains who asked."""
    procedure = procedure_for_request(request, reference)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["Number", "Question", "Answer", "Published"])
    for question in selectors.published_questions(procedure):
        writer.writerow([f"Q{question.number}", neutralise(question.published_question), neutralise(question.answer),
                         timezone.localtime(question.published_at).strftime("%Y-%m-%d")])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{procedure.reference}-published-qa.csv"'
    return response


# --- evaluators and conflicts of interest ------------------------------------------------------------------------


@login_required
def evaluator_assign(request, reference):
    procedure = procedure_for_request(request, reference, "edit")
    assigned = selectors.assigned_evaluators(procedure).values_list("evaluator_id", flat=True)
    form = AssignForm(request.POST or None, exclude_ids=list(assigned) + [procedure.lead_id])
    if request.method == "POST" and form.is_valid() and attempt_service(
            form, lambda: services.evaluator_assign(actor=request.user, procedure=procedure,
                                                         **form.cleaned_data)):
        messages.success(request, f"{form.cleaned_data['evaluator']} assigned.")
        return redirect(procedure.get_absolute_url() + "#evaluators")
    return _action_page(request, procedure=procedure, form=form, title="Assign an evaluator", submit="Assign",
                        intro="The evaluator sees this procedure only, and each bid only after declaring any "
                              "conflict of interest with its vendor.")


@login_required
def coi_declare(request, reference, pk):
    procedure = procedure_for_request(request, reference, "declare")
    bid = Bid.objects.filter(procedure=procedure, pk=pk).select_related("vendor").first()
    if bid is None:
        raise Http404("No such bid.")
    form = DeclareForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        conflict = form.cleaned_data["conflict"] == "yes"
        if attempt_service(form, lambda: services.conflict_declare(actor=request.user, bid=bid, has_conflict=conflict,
                                                             description=form.cleaned_data["description"])):
            messages.success(request, f"Declaration for {bid.vendor} recorded.")
            return redirect(procedure.get_absolute_url() + "#my-declarations")
    return _action_page(request, procedure=procedure, form=form, title=f"Conflict of interest: {bid.vendor}",
                        intro="Declare before you see the bid: any financial interest, employment, close "
                              "relationship or past role with this vendor.", submit="Declare")


@login_required
def coi_review(request, reference, pk):
    procedure = procedure_for_request(request, reference, "edit")
    declaration = (ConflictDeclaration.objects.filter(assignment__procedure=procedure, pk=pk)
                   .select_related("assignment__evaluator", "bid__vendor").first())
    if declaration is None:
        raise Http404("No such declaration.")
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        recuse = form.cleaned_data["decision"] == "recuse"
        if attempt_service(form, lambda: services.conflict_review(actor=request.user, declaration=declaration,
                                                            recuse=recuse, reason=form.cleaned_data["reason"])):
            messages.success(request, "Review recorded.")
            return redirect(procedure.get_absolute_url() + "#evaluators")
    return _action_page(request, procedure=procedure, form=form,
                        title=f"Review: {declaration.assignment.evaluator} / {declaration.bid.vendor}",
                        intro=f"Declared: {declaration.description}", submit="Record the review", danger=True)
