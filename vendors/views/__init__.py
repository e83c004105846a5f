"""Views of the vendors app: fetch-and-authorize, call one service, answer with a page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.views.decorators.http import require_POST

from procurement import authz
from procurement.forms import attempt_service
from procurement.listing import paginate_sorted
from vendors import forms, importing, selectors, services, tiering
from vendors.engagements import engagements_for
from vendors.models import (
    Evidence,
    Risk,
    Subprocessor,
    Vendor,
    VendorContact,
    VendorTask,
    VendorUserObjectPermission,
)
from vendors.policies import vendor_policy
from vendors.risk import ACCEPTANCE_MATRIX, RATING_LABELS
from vendors.services import monitoring
from vendors.transitions import RISK_STATUS, VENDOR_STATUS

SORT_FIELDS = {"name": "legal_name", "tier": "tier", "status": "status", "country": "country",
               "updated": "updated_at"}
LIST_COLUMNS = [("name", "Vendor", True), ("tier", "Tier", True), ("status", "Status", True),
                ("offering", "Offering", False), ("country", "Country", True), ("dd", "Due diligence", False),
                ("owner", "Owner", False)]
IMPORT_SESSION_KEY = "vendors_import_rows"


def _attach(form, exc: ValidationError) -> None:
    """Put a service's ValidationError next to the matching fields (or at the top)."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _vendor(request, pk, action="view", queryset=None):
    return authz.get_for_user_or_404(request.user, vendor_policy, action=action, queryset=queryset, pk=pk)


def _form_page(request, *, vendor=None, form, title, submit, intro="", multipart=False, status=200, extra=None):
    context = {"vendor": vendor, "form": form, "title": title, "submit": submit, "intro": intro,
               "multipart": multipart, **(extra or {})}
    return render(request, "vendors/form.html", context, status=status)


# --- registry ---------------------------------------------------------------------------------------------


@login_required
def vendor_list(request):
    filters = forms.VendorFilterForm(request.GET or None)
    params = filters.cleaned_data if filters.is_valid() else {}
    today = timezone.localdate()
    queryset = selectors.vendor_list(request.user, today=today, **{k: v for k, v in params.items() if v})
    queryset = queryset.prefetch_related(*selectors.vendor_for_page_prefetches())
    listing = paginate_sorted(request, queryset, sort_fields=SORT_FIELDS, default_sort="name")
    page = listing["page_obj"]
    vendors = list(page.object_list)
    plans = selectors.dd_plans()
    for vendor in vendors:
        vendor.dd = selectors.dd_checklist(vendor, today, plans=plans)
    page.object_list = vendors
    return render(request, "vendors/vendor_list.html", {
        **listing, "filters": filters, "columns": LIST_COLUMNS, "row_template": "vendors/_vendor_row.html",
        "can_create": vendor_policy.allows(request.user, "create"),
    })


@login_required
def vendor_create(request):
    authz.require(request.user, vendor_policy, "create")
    form = forms.VendorForm(request.POST or None, initial={"owner": request.user.pk})
    if request.method == "POST" and form.is_valid():
        try:
            vendor = services.vendor_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(request, f"{vendor} registered. Next: answer the tiering questionnaire.")
            return redirect(vendor)
    return _form_page(request, form=form, title="Register a vendor", submit="Register vendor",
                      status=400 if form.errors else 200)


@login_required
def vendor_edit(request, pk):
    vendor = _vendor(request, pk, "edit")
    initial = {name: getattr(vendor, name) for name in services.VENDOR_EDITABLE}
    form = forms.VendorForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        changes = {k: v for k, v in form.cleaned_data.items() if v != initial.get(k)}
        try:
            services.vendor_update(actor=request.user, vendor=vendor, **changes)
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(request, "Vendor details saved.")
            return redirect(vendor)
    return _form_page(request, vendor=vendor, form=form, title=f"Edit {vendor}", submit="Save changes",
                      status=400 if form.errors else 200)


def _as_of(request):
    """The ?as_of= date; anything unreadable (including 2026-02-31) falls back to today."""
    try:
        given = parse_date(request.GET.get("as_of") or "")
    except ValueError:
        given = None
    return given or timezone.localdate()


@login_required
def vendor_detail(request, pk):
    vendor = _vendor(request, pk, queryset=selectors.vendor_detail_queryset().prefetch_related(
        "user_grants__user", *selectors.vendor_follow_up_prefetches()))
    user = request.user
    today = timezone.localdate()
    as_of = _as_of(request)
    plans = selectors.dd_plans()
    plan = plans.get(vendor.tier or selectors.STRICTEST_TIER)
    checklist = selectors.dd_checklist(vendor, as_of, plans=plans)
    if getattr(request, "htmx", False):  # the as-of form swaps just the checklist
        return render(request, "vendors/vendor_detail.html#checklist", {"vendor": vendor, "checklist": checklist})
    evidence = list(vendor.evidence.all())
    replaced = {e.supersedes_id for e in evidence if e.supersedes_id}
    for item in evidence:
        item.is_superseded = item.pk in replaced
    attestations = list(vendor.attestations.all())
    for att in attestations:
        att.state = att.status_on(today)
        att.state_label = att.status_label_on(today)
        att.refresh_due = selectors.attestation_refresh_due(att, plan)
    risks = list(vendor.risks.all())
    for risk in risks:
        risk.rating_label = RATING_LABELS[risk.residual_rating]
        risk.acceptor = ACCEPTANCE_MATRIX[risk.residual_rating].label
        risk.next_states = [(s, Risk.Status(s).label) for s in sorted(RISK_STATUS[risk.status])
                            if s != Risk.Status.ACCEPTED]
    assessments = list(vendor.tier_assessments.all())
    plan_refresh = checklist.obligations
    can = {action: vendor_policy.allows(user, action, vendor) for action in vendor_policy.rules}
    return render(request, "vendors/vendor_detail.html", {
        "vendor": vendor, "checklist": checklist, "as_of": as_of, "today": today, "evidence": evidence,
        "attestations": attestations, "risks": risks, "assessments": assessments,
        "assessment": assessments[0] if assessments else None, "obligations": plan_refresh, "plan": plan,
        "can": can, "status_targets": [(s, Vendor.Status(s).label) for s in sorted(VENDOR_STATUS[vendor.status])],
        "risk_status_labels": dict(Risk.Status.choices),
        "grants": list(vendor.user_grants.all()) if can["grant"] else [],
        "contact_form": forms.ContactForm(prefix="contact"), "subprocessor_form": forms.SubprocessorForm(prefix="sub"),
        "grant_form": forms.GrantForm(prefix="grant"),
        "engagements": engagements_for(user, vendor),
        "tasks": selectors.tasks_for_page(vendor), "triggers": list(vendor.reassessment_triggers.all()),
        "reassessment_due": monitoring.reassessment_due_on(vendor, assessments[0].assessed_at if assessments
                                                          else None),
    })


@login_required
@require_POST
def vendor_status(request, pk, to):
    vendor = _vendor(request, pk, "edit")
    form = forms.ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give a reason for the status change.")
        return redirect(vendor)
    services.vendor_set_status(actor=request.user, vendor=vendor, status=to, reason=form.cleaned_data["reason"])
    messages.success(request, f"Status is now {Vendor.Status(to).label}.")
    return redirect(vendor)


# --- tiering ----------------------------------------------------------------------------------------------


@login_required
def vendor_tiering(request, pk):
    vendor = _vendor(request, pk, "tier")
    latest = vendor.tier_assessments.order_by("-assessed_at", "-pk").first()
    form = forms.TieringForm(request.POST or None, initial=(latest.answers if latest else None))
    if request.method == "POST" and form.is_valid():
        try:
            assessment = services.tier_assess(actor=request.user, vendor=vendor, answers=form.cleaned_data)
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(request, f"Tier set: {assessment.explanation}")
            return redirect(vendor)
    return _form_page(request, vendor=vendor, form=form, title=f"Tiering questionnaire — {vendor}",
                      submit="Work out the tier", status=400 if form.errors else 200,
                      intro="Answer for the use we intend. The tier follows from the rule table below.",
                      extra={"rule_table": tiering.describe_table(),
                             "override_note": vendor.tier_overridden})


@login_required
def vendor_tier_override(request, pk):
    vendor = _vendor(request, pk, "override_tier")
    form = forms.TierOverrideForm(request.POST or None, initial={"tier": vendor.tier})
    if request.method == "POST" and form.is_valid():
        try:
            services.tier_override(actor=request.user, vendor=vendor, **form.cleaned_data)
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(request, "Tier overridden.")
            return redirect(vendor)
    return _form_page(request, vendor=vendor, form=form, title=f"Override the tier of {vendor}",
                      submit="Override tier", status=400 if form.errors else 200,
                      intro="An override replaces the questionnaire's tier until the questionnaire is answered "
                            "again. It is shown as an override wherever the tier appears.")


@login_required
def trigger_record(request, pk):
    vendor = _vendor(request, pk, "record_trigger")
    latest = vendor.tier_assessments.order_by("-assessed_at", "-pk").first()
    current = latest.answers if latest else {}
    form = forms.TriggerForm(request.POST or None, current=current)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = {}

        def record():
            done["trigger"] = services.trigger_record(
                actor=request.user, vendor=vendor, kind=data["kind"], occurred_on=data["occurred_on"],
                description=data["description"], answers=form.answers())

        if attempt_service(form, record):
            trigger = done["trigger"]
            messages.success(request, f"Trigger recorded and the tier reassessed. {trigger.outcome}")
            return redirect(vendor.get_absolute_url() + "#triggers")
    return _form_page(request, vendor=vendor, form=form, title=f"Record a reassessment trigger — {vendor}",
                      submit="Record and reassess", status=400 if form.errors else 200,
                      intro="Record what changed at the vendor. The tier rules run again at once on the current "
                            "answers with your changes; if the tier rises, the due-diligence items the new tier "
                            "needs are opened as tasks.",
                      extra={"rule_table": tiering.describe_table()})


@login_required
@require_POST
def task_close(request, pk, task_id):
    vendor = _vendor(request, pk, "manage_tasks")
    task = get_object_or_404(VendorTask, vendor=vendor, pk=task_id)
    form = forms.ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give a reason for closing the task.")
        return redirect(vendor.get_absolute_url() + "#follow-ups")
    monitoring.task_close(actor=request.user, task=task, reason=form.cleaned_data["reason"])
    messages.success(request, f"Task “{task}” closed.")
    return redirect(vendor.get_absolute_url() + "#follow-ups")


# --- evidence ---------------------------------------------------------------------------------------------


@login_required
def evidence_upload(request, pk):
    vendor = _vendor(request, pk, "upload_evidence")
    replaces = None
    wanted = request.POST.get("replaces") or request.GET.get("replaces")
    if wanted:
        if not wanted.isdigit():
            raise Http404("No such evidence.")
        replaces = get_object_or_404(Evidence, vendor=vendor, pk=int(wanted))
    form = forms.EvidenceForm(request.POST or None, request.FILES or None, replaces=replaces)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload = data["file"]
        try:
            services.evidence_upload(
                actor=request.user, vendor=vendor, content=upload, original_name=upload.name,
                kind=replaces.kind if replaces else data["kind"], title=data["title"], source=data["source"],
                effective_date=data["effective_date"], valid_until=data["valid_until"], supersedes=replaces)
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(request, f"Evidence “{data['title']}” uploaded; it awaits review.")
            return redirect(vendor)
    title = f"New version of “{replaces.title}”" if replaces else f"Upload evidence for {vendor}"
    return _form_page(request, vendor=vendor, form=form, title=title, submit="Upload", multipart=True,
                      status=400 if form.errors else 200, extra={"replaces": replaces})


@login_required
def evidence_download(request, pk, evidence_id):
    vendor = _vendor(request, pk)
    evidence = get_object_or_404(Evidence, vendor=vendor, pk=evidence_id)
    try:
        data = services.evidence_verified_content(actor=request.user, evidence=evidence)
    except services.EvidenceTampered as exc:
        return render(request, "vendors/evidence_refused.html", {"vendor": vendor, "message": str(exc)}, status=409)
    response = HttpResponse(data, content_type=evidence.content_type)
    safe_name = "".join(ch for ch in evidence.original_name if ch.isalnum() or ch in "._- ") or "evidence"
    response["Content-Disposition"] = f'attachment; filename="{safe_name}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Length"] = str(len(data))
    return response


@login_required
def evidence_review(request, pk, evidence_id):
    vendor = _vendor(request, pk, "review_evidence")
    evidence = get_object_or_404(Evidence, vendor=vendor, pk=evidence_id)
    form = forms.EvidenceReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.evidence_review(actor=request.user, evidence=evidence,
                                     outcome=form.cleaned_data["review_outcome"],
                                     notes=form.cleaned_data["review_notes"])
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(request, f"Review of “{evidence.title}” recorded.")
            return redirect(vendor)
    return _form_page(request, vendor=vendor, form=form, title=f"Review “{evidence.title}”", submit="Record review",
                      status=400 if form.errors else 200, extra={"evidence": evidence})


# --- attestations -----------------------------------------------------------------------------------------


@login_required
def attestation_create(request, pk):
    vendor = _vendor(request, pk, "edit")
    form = forms.AttestationForm(request.POST or None, vendor=vendor)
    if request.method == "POST" and form.is_valid():
        try:
            services.attestation_record(actor=request.user, vendor=vendor, **form.cleaned_data)
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(request, "Attestation recorded.")
            return redirect(vendor)
    return _form_page(request, vendor=vendor, form=form, title=f"Record an attestation for {vendor}",
                      submit="Record attestation", status=400 if form.errors else 200)


# --- risks ------------------------------------------------------------------------------------------------


def _risk(request, pk, risk_id, action):
    vendor = _vendor(request, pk, action)
    return vendor, get_object_or_404(Risk.objects.select_related("owner", "vendor"), vendor=vendor, pk=risk_id)


@login_required
def risk_create(request, pk):
    vendor = _vendor(request, pk, "manage_risks")
    form = forms.RiskForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.risk_create(actor=request.user, vendor=vendor, **form.cleaned_data)
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(request, "Risk registered.")
            return redirect(vendor)
    return _form_page(request, vendor=vendor, form=form, title=f"Register a risk for {vendor}",
                      submit="Register risk", status=400 if form.errors else 200)


@login_required
def risk_edit(request, pk, risk_id):
    vendor, risk = _risk(request, pk, risk_id, "manage_risks")
    initial = {name: getattr(risk, name) for name in services.RISK_EDITABLE}
    form = forms.RiskForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        changes = {k: v for k, v in form.cleaned_data.items() if v != initial.get(k)}
        try:
            services.risk_update(actor=request.user, risk=risk, **changes)
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(request, "Risk saved.")
            return redirect(vendor)
    return _form_page(request, vendor=vendor, form=form, title=f"Edit risk “{risk}”", submit="Save risk",
                      status=400 if form.errors else 200)


@login_required
@require_POST
def risk_status(request, pk, risk_id, to):
    vendor, risk = _risk(request, pk, risk_id, "manage_risks")
    form = forms.ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give a reason for the status change.")
        return redirect(vendor)
    try:
        services.risk_set_status(actor=request.user, risk=risk, status=to, reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Risk “{risk}” is now {Risk.Status(to).label.lower()}.")
    return redirect(vendor)


@login_required
@require_POST
def risk_accept(request, pk, risk_id):
    vendor, risk = _risk(request, pk, risk_id, "accept_risk")
    form = forms.ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give a reason for accepting the residual risk.")
        return redirect(vendor)
    services.risk_accept(actor=request.user, risk=risk, reason=form.cleaned_data["reason"])
    messages.success(request, f"Residual risk “{risk}” accepted.")
    return redirect(vendor)


# --- contacts, subprocessors, access ----------------------------------------------------------------------


@login_required
@require_POST
def contact_add(request, pk):
    vendor = _vendor(request, pk, "edit")
    form = forms.ContactForm(request.POST, prefix="contact")
    if form.is_valid():
        services.contact_add(actor=request.user, vendor=vendor, **form.cleaned_data)
        messages.success(request, "Contact added.")
        return redirect(vendor)
    return _form_page(request, vendor=vendor, form=form, title="Add a contact", submit="Add contact", status=400)


@login_required
@require_POST
def contact_remove(request, pk, contact_id):
    vendor = _vendor(request, pk, "edit")
    services.contact_remove(actor=request.user, contact=get_object_or_404(VendorContact, vendor=vendor, pk=contact_id))
    messages.success(request, "Contact removed.")
    return redirect(vendor)


@login_required
@require_POST
def subprocessor_add(request, pk):
    vendor = _vendor(request, pk, "edit")
    form = forms.SubprocessorForm(request.POST, prefix="sub")
    if form.is_valid():
        try:
            services.subprocessor_add(actor=request.user, vendor=vendor, **form.cleaned_data)
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(request, "Subprocessor added.")
            return redirect(vendor)
    return _form_page(request, vendor=vendor, form=form, title="Add a subprocessor", submit="Add subprocessor",
                      status=400)


@login_required
@require_POST
def subprocessor_remove(request, pk, subprocessor_id):
    vendor = _vendor(request, pk, "edit")
    services.subprocessor_remove(actor=request.user,
                                 subprocessor=get_object_or_404(Subprocessor, vendor=vendor, pk=subprocessor_id))
    messages.success(request, "Subprocessor removed.")
    return redirect(vendor)


@login_required
@require_POST
def access_grant(request, pk):
    vendor = _vendor(request, pk, "grant")
    form = forms.GrantForm(request.POST, prefix="grant")
    if form.is_valid():
        services.vendor_grant_view(actor=request.user, vendor=vendor, user=form.cleaned_data["username"])
        messages.success(request, f"{form.cleaned_data['username']} can now see this vendor.")
        return redirect(vendor)
    return _form_page(request, vendor=vendor, form=form, title="Give read access", submit="Give access", status=400)


@login_required
@require_POST
def access_revoke(request, pk, grant_id):
    vendor = _vendor(request, pk, "grant")
    grant = get_object_or_404(VendorUserObjectPermission, content_object=vendor, pk=grant_id)
    services.vendor_revoke_view(actor=request.user, grant=grant)
    messages.success(request, "Access withdrawn.")
    return redirect(vendor)


# --- import -----------------------------------------------------------------------------------------------


@login_required
def vendor_import(request):
    authz.require(request.user, vendor_policy, "import")
    preview = None
    form = forms.ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and request.POST.get("confirm"):
        rows = request.session.pop(IMPORT_SESSION_KEY, None)
        if not rows:
            messages.error(request, "The preview has expired; upload the file again.")
            return redirect("vendors:import")
        try:
            created = services.vendors_import(actor=request.user, rows=rows)
        except ValidationError as exc:
            messages.error(request, "Nothing was imported: " + " ".join(exc.messages))
            return redirect("vendors:import")
        messages.success(request, f"Imported {len(created)} vendor{'s' if len(created) != 1 else ''}.")
        return redirect("vendors:list")
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read(importing.MAX_IMPORT_BYTES + 1)
        preview = importing.parse(data, upload.name, actor=request.user)
        if preview.clean:
            request.session[IMPORT_SESSION_KEY] = [row.values for row in preview.rows]
        else:
            request.session.pop(IMPORT_SESSION_KEY, None)
    status = 400 if (form.errors or (preview is not None and not preview.clean)) else 200
    return render(request, "vendors/import.html", {"form": form, "preview": preview,
                                                   "columns": importing.COLUMNS}, status=status)
