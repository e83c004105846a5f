"""The vendor registry: the list, registering and editing a vendor, its page and its status."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.views.decorators.http import require_POST

from procurement import authz
from procurement.listing import Column, Listing, display
from vendors import forms, selectors, services
from vendors.engagements import engagements_for
from vendors.models import Vendor
from vendors.policies import vendor_policy
from vendors.services import monitoring
from vendors.transitions import VENDOR_STATUS
from vendors.views._common import vendor_for, vendor_form


def _person(user) -> str:
    return "" if user is None else (user.get_full_name() or user.get_username())


def _vendor_rows(user, params: dict):
    queryset = selectors.vendor_list(user, today=timezone.localdate(), **params)
    return queryset.prefetch_related(*selectors.vendor_for_page_prefetches())


def _with_due_diligence(vendors: list) -> None:
    today, plans = timezone.localdate(), selectors.dd_plans()
    for vendor in vendors:
        vendor.dd = selectors.dd_checklist(vendor, today, plans=plans)


def _dd_text(vendor) -> str:
    return "Complete" if vendor.dd.complete else f"{len(vendor.dd.gaps)} gap{'s' if len(vendor.dd.gaps) != 1 else ''}"


VENDOR_LISTING = Listing(
    name="vendors",
    columns=(
        Column("name", "Vendor", lambda v: str(v), sort="legal_name"),
        Column("tier", "Tier", lambda v: v.get_tier_display() or "Not tiered", sort="tier"),
        Column("status", "Status", display("status"), sort="status"),
        Column("offering", "Offering", display("offering_type")),
        Column("country", "Country", lambda v: str(v.country or ""), sort="country"),
        Column("dd", "Due diligence", _dd_text),
        Column("owner", "Owner", lambda v: _person(v.owner)),
    ),
    rows=_vendor_rows, default_sort="name", filter_form=forms.VendorFilterForm, prepare=_with_due_diligence,
    row_template="vendors/_vendor_row.html",
)
LIST_COLUMNS = VENDOR_LISTING.table_columns
SORT_FIELDS = VENDOR_LISTING.sort_fields


@login_required
def vendor_list(request):
    return VENDOR_LISTING.respond(request, "vendors/vendor_list.html", {
        "can_create": vendor_policy.allows(request.user, "create"),
    })


@login_required
def vendor_create(request):
    authz.require(request.user, vendor_policy, "create")
    return vendor_form(
        request, forms.VendorForm, lambda form: services.vendor_create(actor=request.user, **form.cleaned_data),
        title="Register a vendor", submit="Register vendor", success=lambda vendor: vendor,
        done=lambda vendor: f"{vendor} registered. Next: answer the tiering questionnaire.",
        form_kwargs={"initial": {"owner": request.user.pk}})


@login_required
def vendor_edit(request, pk):
    vendor = vendor_for(request, pk, "edit")
    initial = {name: getattr(vendor, name) for name in services.VENDOR_EDITABLE}
    return vendor_form(
        request, forms.VendorForm,
        lambda form: services.vendor_update(actor=request.user, vendor=vendor, **{
            k: v for k, v in form.cleaned_data.items() if v != initial.get(k)}),
        vendor=vendor, title=f"Edit {vendor}", submit="Save changes", done="Vendor details saved.",
        form_kwargs={"initial": initial})


def _as_of(request):
    """The ?as_of= date; anything unreadable (including 2026-02-31) falls back to today."""
    try:
        given = parse_date(request.GET.get("as_of") or "")
    except ValueError:
        given = None
    return given or timezone.localdate()


@login_required
def vendor_detail(request, pk):
    vendor = vendor_for(request, pk, queryset=selectors.vendor_page_queryset())
    user = request.user
    as_of = _as_of(request)
    if getattr(request, "htmx", False):  # the as-of form swaps just the checklist
        checklist = selectors.dd_checklist(vendor, as_of, plans=selectors.dd_plans())
        return render(request, "vendors/vendor_detail.html#checklist", {"vendor": vendor, "checklist": checklist})
    page = selectors.vendor_page(vendor, as_of=as_of, today=timezone.localdate())
    can = {action: vendor_policy.allows(user, action, vendor) for action in vendor_policy.declared_actions()}
    assessment = page["assessment"]
    return render(request, "vendors/vendor_detail.html", {
        **page, "vendor": vendor, "as_of": as_of, "can": can,
        "status_targets": [(s, Vendor.Status(s).label) for s in sorted(VENDOR_STATUS[vendor.status])],
        "grants": list(vendor.user_grants.all()) if can["grant"] else [],
        "contact_form": forms.ContactForm(prefix="contact"), "subprocessor_form": forms.SubprocessorForm(prefix="sub"),
        "grant_form": forms.GrantForm(prefix="grant"),
        "engagements": engagements_for(user, vendor),
        "reassessment_due": monitoring.reassessment_due_on(vendor, assessment.assessed_at if assessment else None),
    })


@login_required
@require_POST
def vendor_status(request, pk, to):
    vendor = vendor_for(request, pk, "edit")
    label = Vendor.Status(to).label if to in Vendor.Status.values else to
    return vendor_form(
        request, forms.ReasonForm,
        lambda form: services.vendor_set_status(actor=request.user, vendor=vendor, status=to,
                                                reason=form.cleaned_data["reason"]),
        vendor=vendor, title=f"Mark {vendor} {label.lower()}", submit=f"Confirm: {label}",
        intro="Give a reason for the status change: it is kept in the audit trail.",
        done=f"Status is now {label}.")
