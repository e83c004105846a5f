"""Views: fetch-and-authorize, call one service, answer with the page. No business rules here."""

import csv
import io
from copy import copy
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from awards import selectors, services
from awards.forms.procedure import (
    AnswerForm,
    BidDecisionForm,
    DeclareForm,
    DocumentForm,
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
from awards.forms.setup import AssignEvaluatorsForm, InviteVendorsForm
from awards.models import AwardProcedure, Bid
from awards.models.procedure import Stage
from awards.policies import bid_policy, procedure_policy
from awards.prerequisites import Readiness
from awards.selectors.timeline import ISSUED_STAGES, timeline_changes_after_issue
from awards.services.bids import bids_invite
from awards.services.evaluators import evaluators_assign
from awards.services.procedure import issue_window_shortfalls
from awards.transitions import MEMO_ONLY_STAGES, PROCEDURE_PATH, PROCEDURE_STAGES, STAGE_LABELS
from procurement.accounts.roles import Role
from procurement.authz import get_for_user_or_404
from procurement.exceptions import EvidenceTampered
from procurement.listing import paginate_sorted
from procurement.people import people_with_role
from procurement.posting import handle_form
from procurement.spreadsheets import neutralise
from procurement.uploads import verified_download

# --- helpers ------------------------------------------------------------------------------------------------


def procedure_for_request(request, reference: str, action: str = "view") -> AwardProcedure:
    return get_for_user_or_404(request.user, procedure_policy, action=action, queryset=selectors.procedures(),
                               reference=reference)


def _bid(request, reference: str, pk: int, action: str = "view") -> Bid:
    return get_for_user_or_404(request.user, bid_policy, action=action, queryset=selectors.bids_of(reference), pk=pk)


def action_page(request, form_class, call, *, procedure, title: str, success, done="", intro: str = "",
                submit: str = "Save", danger: bool = False, bid=None, multipart: bool = False, form_kwargs=None,
                extra=None):
    """An awards form page answered by procurement.posting.handle_form (400 invalid, 409 refused)."""
    context = {"procedure": procedure, "title": title, "intro": intro, "submit": submit, "danger": danger,
               "bid": bid, "multipart": multipart, **(extra or {})}
    return handle_form(request, form_class, call, template="awards/action_form.html", context=context,
                       success=success, done=done, form_kwargs=form_kwargs)


def procedure_groups(procedure: AwardProcedure):
    """The criterion groups of the procedure's scorecard, in the scorecard's order (for group checkboxes)."""
    from awards.models import CriterionGroup

    return CriterionGroup.objects.filter(scorecard__procedure=procedure).order_by("position", "pk")


def _anchored(obj, anchor: str) -> str:
    return f"{obj.get_absolute_url()}#{anchor}"


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
    return handle_form(
        request, ProcedureForm, lambda form: services.procedure_create(actor=request.user, **form.cleaned_data),
        template="awards/procedure_form.html", context={"title": "New award procedure"},
        success=lambda procedure: procedure, done=lambda procedure: f"Procedure {procedure.reference} created.")


@dataclass(frozen=True)
class Offer:
    """One action the procedure page offers: `key` names it for tests ("advance:<stage>", "cancel", "invite", ...),
    `url` is where it goes (GET: a page; POST: the form posts there with `target`)."""

    key: str
    label: str
    url: str
    danger: bool = False
    target: str = ""


def stage_actions(procedure: AwardProcedure, *, can_edit: bool, readiness: Readiness | None) -> list[Offer]:
    """The actions the procedure's stage allows, derived from the state machine (awards.transitions) and the
    stage lists and prerequisite checks the services enforce — never a second list of what each stage may do."""
    if not can_edit:
        return []
    from awards.services.bids import INVITING_STAGES
    from awards.services.scorecard import EDITABLE_STAGES as SCORECARD_STAGES

    ref = procedure.reference
    offers = []
    for target in PROCEDURE_PATH:  # forward moves first, in the path's order
        if target not in PROCEDURE_STAGES[procedure.stage] or target in MEMO_ONLY_STAGES:
            continue
        if readiness is None or readiness.target != target or not readiness.ready:
            continue
        offers.append(Offer(f"advance:{target}", f"Move to {STAGE_LABELS[target]}",
                            reverse("awards:procedure_advance", args=[ref]), target=str(target)))
    if procedure.is_open:
        offers.append(Offer("edit", "Edit details", reverse("awards:procedure_edit", args=[ref])))
        offers.append(Offer("timeline", "Change the timeline" if procedure.stage in ISSUED_STAGES
                            else "Set the timeline", reverse("awards:procedure_timeline", args=[ref])))
        offers.append(Offer("assign_evaluators", "Assign evaluators", reverse("awards:evaluator_assign", args=[ref])))
    if procedure.stage in INVITING_STAGES:
        offers.append(Offer("invite", "Invite vendors", reverse("awards:bid_invite", args=[ref])))
    if procedure.stage in SCORECARD_STAGES:
        for key, label, name in (("scorecard_builder", "Build the scorecard", "awards:scorecard_builder"),
                                 ("template_list", "Start from a template", "awards:template_list")):
            try:
                url = reverse(name, args=[ref]) if name == "awards:scorecard_builder" else reverse(name)
            except NoReverseMatch:
                continue
            offers.append(Offer(key, label, url))
    if Stage.CANCELLED in PROCEDURE_STAGES[procedure.stage]:
        offers.append(Offer("cancel", "Cancel procedure…", reverse("awards:procedure_cancel", args=[ref]),
                            danger=True))
    return offers


def _policy_notes(procedure: AwardProcedure) -> list:
    """Which versions of the committees, the approval matrix and the due-diligence plans apply to the procedure."""
    from procurement import policy_tables

    try:
        return policy_tables.version_notes(procedure.policy_versions, ["committees", "approval_matrix", "dd_plans"])
    except (NotImplementedError, LookupError):
        return []


def _mark_debriefs_sent(award) -> None:
    """Set `sent_notice` on each debrief of the award: the latest debrief notice sent to the bidder (or None),
    whose `acknowledged_at` says whether the bidder acknowledged it — one query for them all."""
    if not award or not award["debriefs"]:
        return
    from awards.models.portal import BidderNotice, NoticeKind

    notices = {}
    for notice in BidderNotice.objects.filter(kind=NoticeKind.DEBRIEF, debrief__in=award["debriefs"]).order_by(
            "published_at", "pk"):
        notices[notice.debrief_id] = notice  # the latest one wins
    for debrief in award["debriefs"]:
        debrief.sent_notice = notices.get(debrief.pk)


def _contract_link(procedure: AwardProcedure, award) -> dict | None:
    """Where "Open the contract" goes: the contract's page once one exists, else the contracts app's opening page
    for this procedure's memo. Awards does not import contracts: URLs by name, absent app tolerated."""
    if not award:
        return None
    try:
        if award["contracts"]:
            contract = award["contracts"][0]
            return {"label": f"Contract {contract['reference']}",
                    "url": reverse("contracts:detail", args=[contract["reference"]])}
        return {"label": "Open the contract", "url": f"{reverse('contracts:open')}?memo={procedure.reference}"}
    except NoReverseMatch:
        return None


@login_required
@require_GET
def procedure_detail(request, reference):
    procedure = procedure_for_request(request, reference)
    context = selectors.procedure_page(procedure, request.user)
    context["can_edit"] = procedure_policy.allows(request.user, "edit", procedure)
    context["can_agree"] = procedure_policy.allows(request.user, "agree_requirements", procedure)
    readiness = context["readiness"]
    if context["next_stage"] == Stage.RFP_ISSUED and readiness is not None:
        short = issue_window_shortfalls(procedure)  # the minimum windows (issue 17, finding 17)
        if short:
            context["readiness"] = Readiness(target=readiness.target, missing=(*readiness.missing, *short.values()))
    from awards.views.waivers import recordable_kinds, visible_waivers  # that module imports this one

    context["rfp_is_out"] = procedure.stage in ISSUED_STAGES
    context["timeline_changes"] = timeline_changes_after_issue(procedure)
    context["waivers"] = list(visible_waivers(request.user, procedure))
    context["can_record_waiver"] = bool(recordable_kinds(request.user, procedure))
    offers = stage_actions(procedure, can_edit=context["can_edit"], readiness=context["readiness"])
    context["offers"] = {offer.key: offer for offer in offers}
    context["advance_offers"] = [offer for offer in offers if offer.key.startswith("advance:")]
    context["page_offers"] = [offer for offer in offers
                              if offer.key in ("edit", "timeline", "scorecard_builder", "template_list", "cancel")]
    context["policy_notes"] = _policy_notes(procedure)
    _mark_debriefs_sent(context["award"])
    context["contract_link"] = _contract_link(procedure, context["award"])
    if context["can_edit"]:
        context["unassigned"] = list(selectors.unassigned_evaluators(procedure))
    return render(request, "awards/procedure_detail.html", context)


@login_required
def procedure_edit(request, reference):
    procedure = procedure_for_request(request, reference, "edit")
    return handle_form(
        request, ProcedureForm,
        lambda form: services.procedure_update(actor=request.user, procedure=procedure, **form.cleaned_data),
        template="awards/procedure_form.html",
        context={"procedure": procedure, "title": f"Edit {procedure.reference}"},
        success=procedure, done="Details saved.",
        form_kwargs={"instance": copy(procedure)})  # the form's copy takes the input; the service gets the record


def _keep_on_form(form, exc) -> bool:
    """A refusal about the record's state shown at the top of the form, the person's input kept (409)."""
    form.add_error(None, str(exc))
    return True


@login_required
def procedure_timeline(request, reference):
    procedure = procedure_for_request(request, reference, "edit")
    issued = procedure.stage in ISSUED_STAGES
    intro = "Dates run in this order; each must come after the one before it."
    if issued:
        intro = ("The RFP is issued, so the bidders plan on these dates. The issue date no longer changes; any other "
                 "change needs a reason and a waiver for a timeline change after issue, recorded for this change by "
                 "another procurement lead (see the procedure's waivers). Every bidder is then told.")

    def save(form):
        dates = {name: value for name, value in form.cleaned_data.items() if name != "reason"}
        if issued:
            dates.pop("rfp_issue_date", None)  # shown, not editable: the service refuses any other value anyway
        return services.procedure_set_timeline(actor=request.user, procedure=procedure,
                                               reason=form.cleaned_data.get("reason", ""), **dates)

    return handle_form(
        request, TimelineForm, save, template="awards/action_form.html",
        context={"procedure": procedure, "title": "Timeline", "intro": intro, "submit": "Save timeline"},
        success=procedure, done="Timeline saved." + (" Tell the bidders: your notifications list each one." if issued
                                                     else ""),
        keep_refusal=_keep_on_form, form_kwargs={"instance": copy(procedure), "issued": issued})


@login_required
def procedure_advance(request, reference):
    procedure = procedure_for_request(request, reference, "edit")
    target = request.POST.get("target") or request.GET.get("target") or ""
    return action_page(
        request, ReasonForm,
        lambda form: services.procedure_advance(actor=request.user, procedure=procedure, target=target,
                                                reason=form.cleaned_data["reason"]),
        procedure=procedure, title="Move to the next stage", submit="Move on", success=procedure,
        done=f"{procedure.reference} moved on.", extra={"hidden": {"target": target}})


@login_required
def procedure_cancel(request, reference):
    procedure = procedure_for_request(request, reference, "edit")
    return action_page(
        request, ReasonForm,
        lambda form: services.procedure_cancel(actor=request.user, procedure=procedure,
                                               reason=form.cleaned_data["reason"]),
        procedure=procedure, title=f"Cancel {procedure.reference}", submit="Cancel the procedure", danger=True,
        intro="Cancelling ends the procedure for good. Say why: it is kept in the audit trail.",
        success=procedure, done=f"{procedure.reference} cancelled.")


# --- requirements -------------------------------------------------------------------------------------------


@login_required
def requirement_add(request, reference):
    procedure = procedure_for_request(request, reference, "edit")
    return action_page(
        request, RequirementForm,
        lambda form: services.requirement_add(actor=request.user, procedure=procedure, **form.cleaned_data),
        procedure=procedure, title="Add a requirement", submit="Add",
        success=_anchored(procedure, "requirements"), done="Requirement added.")


@login_required
def requirement_edit(request, reference, pk):
    procedure = procedure_for_request(request, reference, "edit")
    requirement = get_object_or_404(selectors.procedure_requirements(procedure), pk=pk)
    return action_page(
        request, RequirementForm,
        lambda form: services.requirement_update(actor=request.user, requirement=requirement, **form.cleaned_data),
        procedure=procedure, title=f"Edit {requirement.code}",
        intro="A changed requirement needs the business owner's agreement again.",
        success=_anchored(procedure, "requirements"), done="Requirement saved.",
        form_kwargs={"instance": copy(requirement)})


@login_required
@require_POST
def requirement_agree(request, reference, pk):
    procedure = procedure_for_request(request, reference, "agree_requirements")
    requirement = get_object_or_404(selectors.procedure_requirements(procedure), pk=pk)
    return action_page(
        request, forms.Form, lambda form: services.requirement_agree(actor=request.user, requirement=requirement),
        procedure=procedure, title=f"Agree {requirement.code}", submit="Agree",
        success=_anchored(procedure, "requirements"), done=f"{requirement.code} agreed.")


@login_required
@require_POST
def requirements_agree_all(request, reference):
    procedure = procedure_for_request(request, reference, "agree_requirements")
    pending = selectors.pending_requirements(procedure)

    def agree_all(form):  # one transaction: every pending requirement is agreed, or none
        for requirement in pending:
            services.requirement_agree(actor=request.user, requirement=requirement)

    return action_page(
        request, forms.Form, agree_all, procedure=procedure, title="Agree every requirement", submit="Agree all",
        success=_anchored(procedure, "requirements"),
        done=f"{len(pending)} requirement{'s' if len(pending) != 1 else ''} agreed.")


# --- bids ---------------------------------------------------------------------------------------------------


@login_required
def bid_invite(request, reference):
    """Invite several registry vendors at once (awards.services.bids.bids_invite: all or none)."""
    procedure = procedure_for_request(request, reference, "edit")
    return action_page(
        request, InviteVendorsForm,
        lambda form: bids_invite(actor=request.user, procedure=procedure, vendors=form.cleaned_data["vendor"]),
        procedure=procedure, title="Invite vendors", submit="Invite",
        intro="Tick every vendor to invite. Each vendor's tier sets what its bid owes: reference checks and whether "
              "a demo/POV is required.",
        success=_anchored(procedure, "bids"),
        done=lambda bids: f"Invited: {', '.join(str(bid.vendor) for bid in bids)}.",
        form_kwargs={"vendors": selectors.invitable_vendors(request.user, procedure)})


@login_required
@require_GET
def bid_detail(request, reference, pk):
    bid = selectors.bid_page(_bid(request, reference, pk))
    return render(request, "awards/bid_detail.html", {
        "bid": bid, "procedure": bid.procedure, "pov": selectors.pov_outcome(bid),
        "references": selectors.reference_status(bid), "obligations": selectors.bid_obligations(bid),
        "documents": list(bid.documents.all()),
        "checks": list(bid.reference_checks.all()),
        "criteria": list(bid.pov.criteria.all()) if selectors._has_pov(bid) else [],
        "can_edit": bid_policy.allows(request.user, "edit", bid),
    })


def _bid_action(request, reference, pk, form_class, call, **page):
    bid = _bid(request, reference, pk, "edit")
    return action_page(request, form_class, lambda form: call(bid, form.cleaned_data), procedure=bid.procedure,
                       bid=bid, success=bid, **page)


@login_required
def bid_decline(request, reference, pk):
    return _bid_action(
        request, reference, pk, ReasonForm,
        lambda bid, data: services.bid_decline(actor=request.user, bid=bid, reason=data["reason"]),
        title="Record that the vendor declined", intro="The vendor will take no further part.",
        submit="Record the decline", danger=True, done="Decline recorded.")


@login_required
def bid_late_decision(request, reference, pk):
    return _bid_action(
        request, reference, pk, LateDecisionForm,
        lambda bid, data: services.bid_decide_late(actor=request.user, bid=bid, admit=data["decision"] == "admit",
                                                   reason=data["reason"]),
        title="Decide on a late bid", submit="Record", done="Decision recorded.",
        intro="The proposal arrived after the due date. It takes part only if you admit it, and admitting it needs "
              "a late-bid waiver recorded for this procedure by another procurement lead (see the procedure's "
              "waivers). Rejecting it needs none.")


@login_required
def bid_decide(request, reference, pk):
    return _bid_action(
        request, reference, pk, BidDecisionForm,
        lambda bid, data: services.bid_decide(actor=request.user, bid=bid, status=data["status"],
                                              reason=data["reason"]),
        title="Shortlist or knock out", submit="Record", done="Decision recorded.")


@login_required
def document_add(request, reference, pk):
    return _bid_action(
        request, reference, pk, DocumentForm,
        lambda bid, data: services.proposal_document_add(actor=request.user, bid=bid, title=data["title"],
                                                         upload=data["file"]),
        title="Add a proposal document", submit="Upload", multipart=True, done="Document stored.")


def _submission_recorded(request, bid) -> str:
    if bid.late_decision == Bid.LateDecision.PENDING:
        messages.warning(request, "Received after the due date: flagged late. Decide whether to admit it.")
        return ""
    return "Proposal recorded as received."


@login_required
@require_POST
def bid_submission(request, reference, pk):
    return _bid_action(
        request, reference, pk, forms.Form,
        lambda bid, data: services.bid_record_submission(actor=request.user, bid=bid),
        title="Record the proposal as received", submit="Record", done=lambda bid: _submission_recorded(request, bid))


@login_required
@require_GET
def document_download(request, reference, pk, document_id):
    bid = _bid(request, reference, pk)
    document = get_object_or_404(selectors.bid_documents(bid), pk=document_id)
    try:  # verified in full before a byte is sent, then streamed from a private copy (see open_verified)
        return verified_download(document.file, sha256=document.sha256, filename=document.original_name,
                                 content_type=document.content_type, what="This file")
    except EvidenceTampered as exc:
        message = str(exc) if exc.missing else ("This file no longer matches the fingerprint taken when it was "
                                                "stored; it is withheld. Tell the procurement lead.")
        return render(request, "errors/409.html", {"message": message}, status=409)


# --- POV and references ---------------------------------------------------------------------------------------


@login_required
def pov_criterion_add(request, reference, pk):
    bid = _bid(request, reference, pk, "edit")
    return action_page(
        request, PovCriterionForm,
        lambda form: services.pov_criterion_add(actor=request.user, bid=bid, **form.cleaned_data),
        procedure=bid.procedure, bid=bid, title="Add a POV success criterion", submit="Add",
        intro="Our own measure of success, fixed before the demo (e.g. answer accuracy on our 200 tickets at "
              "least 85 %).", success=_anchored(bid, "pov"), done="Criterion added.")


@login_required
def pov_criterion_edit(request, reference, pk, criterion_id):
    bid = _bid(request, reference, pk, "edit")
    criterion = get_object_or_404(selectors.bid_pov_criteria(bid), pk=criterion_id)
    return action_page(
        request, PovCriterionForm,
        lambda form: services.pov_criterion_update(actor=request.user, criterion=criterion, **form.cleaned_data),
        procedure=bid.procedure, bid=bid, title="Change a POV criterion", success=_anchored(bid, "pov"),
        done="Criterion saved.", form_kwargs={"instance": copy(criterion)})


@login_required
def pov_lock(request, reference, pk):
    bid = _bid(request, reference, pk, "edit")
    return action_page(
        request, forms.Form, lambda form: services.pov_lock(actor=request.user, bid=bid),
        procedure=bid.procedure, bid=bid, title="Lock the POV protocol", submit="Lock the protocol",
        intro="Once locked, the criteria cannot change; results are entered against them after the demo.",
        success=_anchored(bid, "pov"), done="POV protocol locked; its criteria are pinned by their sha256.")


@login_required
def pov_result(request, reference, pk, criterion_id):
    bid = _bid(request, reference, pk, "edit")
    criterion = get_object_or_404(selectors.bid_pov_criteria(bid), pk=criterion_id)
    return action_page(
        request, PovResultForm,
        lambda form: services.pov_result_record(actor=request.user, criterion=criterion,
                                                value=form.cleaned_data["value"], note=form.cleaned_data["note"]),
        procedure=bid.procedure, bid=bid, title=f"Result: {criterion}", submit="Record the result",
        success=_anchored(bid, "pov"), done="Result recorded.")


@login_required
def reference_add(request, reference, pk):
    return _bid_action(
        request, reference, pk, ReferenceForm,
        lambda bid, data: services.reference_check_add(actor=request.user, bid=bid, **data),
        title="Record a reference check", submit="Record", done="Reference check recorded.")


# --- Q&A ------------------------------------------------------------------------------------------------------


@login_required
def question_add(request, reference):
    procedure = procedure_for_request(request, reference, "edit")
    return action_page(
        request, QuestionForm,
        lambda form: services.question_record(actor=request.user, procedure=procedure, **form.cleaned_data),
        procedure=procedure, title="Log a bidder's question", submit="Log it", success=_anchored(procedure, "qa"),
        done="Question logged.", form_kwargs={"bids": selectors.bids_that_may_ask(procedure)})


@login_required
def question_answer(request, reference, pk):
    procedure = procedure_for_request(request, reference, "edit")
    question = get_object_or_404(selectors.procedure_questions(procedure), pk=pk)
    return action_page(
        request, AnswerForm,
        lambda form: services.question_answer(actor=request.user, question=question, **form.cleaned_data),
        procedure=procedure, title=f"Answer Q{question.number}", submit="Save the answer",
        success=_anchored(procedure, "qa"), done=f"Q{question.number} answered.", extra={"question": question},
        form_kwargs={"initial": {"answer": question.answer, "public_text": question.public_text}})


@login_required
@require_POST
def question_publish(request, reference, pk):
    procedure = procedure_for_request(request, reference, "edit")
    question = get_object_or_404(selectors.procedure_questions(procedure), pk=pk)
    return action_page(
        request, forms.Form, lambda form: services.question_publish(actor=request.user, question=question),
        procedure=procedure, title=f"Publish Q{question.number}", submit="Publish", extra={"question": question},
        success=_anchored(procedure, "qa"),
        done=f"Q{question.number} published to all bidders, without saying who asked.")


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
    """Assign one evaluator or several, each scoring the criterion groups ticked (none: every group)."""
    procedure = procedure_for_request(request, reference, "edit")
    people = people_with_role(Role.EVALUATOR).exclude(
        pk__in=[*selectors.assigned_evaluator_ids(procedure), procedure.lead_id])
    return action_page(
        request, AssignEvaluatorsForm,
        lambda form: evaluators_assign(actor=request.user, procedure=procedure,
                                       evaluators=form.cleaned_data["evaluators"], groups=form.cleaned_data["groups"]),
        procedure=procedure, title="Assign evaluators", submit="Assign",
        intro="An evaluator sees this procedure only, and each bid only after declaring any conflict of "
              "interest with its vendor.", success=_anchored(procedure, "evaluators"),
        done=lambda assignments: f"Assigned: {', '.join(str(a.evaluator) for a in assignments)}.",
        form_kwargs={"people": people, "groups": procedure_groups(procedure)})


@login_required
def coi_declare(request, reference, pk):
    procedure = procedure_for_request(request, reference, "declare")
    bid = get_object_or_404(selectors.procedure_bid(procedure), pk=pk)
    return action_page(
        request, DeclareForm,
        lambda form: services.conflict_declare(actor=request.user, bid=bid,
                                               has_conflict=form.cleaned_data["conflict"] == "yes",
                                               description=form.cleaned_data["description"]),
        procedure=procedure, title=f"Conflict of interest: {bid.vendor}", submit="Declare",
        intro="Declare before you see the bid: any financial interest, employment, close relationship or past "
              "role with this vendor.", success=_anchored(procedure, "my-declarations"),
        done=f"Declaration for {bid.vendor} recorded.")


@login_required
def coi_review(request, reference, pk):
    procedure = procedure_for_request(request, reference, "edit")
    declaration = get_object_or_404(selectors.procedure_declarations(procedure), pk=pk)
    return action_page(
        request, ReviewForm,
        lambda form: services.conflict_review(actor=request.user, declaration=declaration,
                                              recuse=form.cleaned_data["decision"] == "recuse",
                                              reason=form.cleaned_data["reason"]),
        procedure=procedure, title=f"Review: {declaration.assignment.evaluator} / {declaration.bid.vendor}",
        intro=f"Declared: {declaration.description}", submit="Record the review", danger=True,
        success=_anchored(procedure, "evaluators"), done="Review recorded.")
