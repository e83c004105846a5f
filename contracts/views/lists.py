"""Lists across contracts (issue 21): contracts, invoices, KPIs and obligations, sorted, filtered, paginated and
exported through procurement.listing.

Every list starts from `contract_policy.visible(user)`: a row shows only when its contract does (never a second
hand-written scope). Each page is a fixed number of queries whatever the number of rows (joins, annotations).
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.db.models import Count, OuterRef, Q, Subquery
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET

from contracts import selectors
from contracts.forms.negotiation import ContractFilterForm
from contracts.models import Invoice, Kpi, KpiMeasurement, Milestone
from contracts.models.performance import Frequency
from contracts.models.planning import LATE, MilestoneStatus
from contracts.ocds.policies import publication_policy
from contracts.policies import contract_policy
from contracts.views.sections import back_to
from procurement.listing import Column, Listing, display

DATE = forms.DateInput(attrs={"type": "date"})


def _person(user) -> str:
    return "" if user is None else (user.get_full_name() or user.get_username())


def _contract_filter(qs, params: dict, prefix: str = "contract__"):
    """The filters every cross-contract list shares: the contract's reference or title, and its vendor."""
    if params.get("contract"):
        term = params["contract"]
        qs = qs.filter(Q(**{f"{prefix}reference__icontains": term}) | Q(**{f"{prefix}title__icontains": term}))
    if params.get("vendor"):
        term = params["vendor"]
        qs = qs.filter(Q(**{f"{prefix}vendor__legal_name__icontains": term})
                       | Q(**{f"{prefix}vendor__trading_name__icontains": term}))
    return qs


def _visible_contracts(user):
    return contract_policy.visible(user).values("pk")


class _AcrossContractsForm(forms.Form):
    contract = forms.CharField(label="Contract (reference or title)", required=False, max_length=200)
    vendor = forms.CharField(label="Vendor", required=False, max_length=200)


def _date_range_errors(form, start: str, end: str) -> None:
    first, last = form.cleaned_data.get(start), form.cleaned_data.get(end)
    if first and last and last < first:
        form.add_error(end, "Must be on or after the first date.")


# --- contracts ------------------------------------------------------------------------------------------------
def _contract_rows(user, params: dict):
    return selectors.contract_list(user, **params)


CONTRACT_LISTING = Listing(
    name="contracts",
    columns=(
        Column("reference", "Reference", lambda c: c.reference, sort="reference"),
        Column("title", "Title", lambda c: c.title, sort="title"),
        Column("vendor", "Vendor", lambda c: str(c.vendor), sort="vendor__legal_name"),
        Column("status", "Status", display("status"), sort="status"),
        Column("manager", "Post-award manager", lambda c: _person(c.post_award_manager)),
        Column("value", "Value", lambda c: c.value, sort="value"),
        Column("currency", "Currency", lambda c: c.currency),
    ),
    rows=_contract_rows, default_sort="-reference", filter_form=ContractFilterForm,
    row_template="contracts/_contract_row.html",
)
CONTRACT_PAGE_COLUMNS = [c for c in CONTRACT_LISTING.table_columns if c[0] != "currency"]


@login_required
@require_GET
def contract_list(request):
    return CONTRACT_LISTING.respond(request, "contracts/contract_list.html", {
        "columns": CONTRACT_PAGE_COLUMNS,
        "can_open": contract_policy.allows(request.user, "create"),
        "sees_publication": publication_policy.sees_everything(request.user),
    })


# --- invoices -------------------------------------------------------------------------------------------------
class InvoiceFilterForm(_AcrossContractsForm):
    number = forms.CharField(label="Invoice number", required=False, max_length=60)
    status = forms.ChoiceField(label="Status", required=False, choices=[("", "Any status"), *Invoice.Status.choices])
    received_from = forms.DateField(label="Received from", required=False, widget=DATE)
    received_to = forms.DateField(label="Received to", required=False, widget=DATE)

    def clean(self):
        _date_range_errors(self, "received_from", "received_to")
        return self.cleaned_data


def _invoice_rows(user, params: dict):
    qs = Invoice.objects.filter(contract__in=_visible_contracts(user)).select_related(
        "contract", "contract__vendor", "milestone")
    qs = _contract_filter(qs, params)
    if params.get("number"):
        qs = qs.filter(number__icontains=params["number"])
    if params.get("status"):
        qs = qs.filter(status=params["status"])
    if params.get("received_from"):
        qs = qs.filter(received_on__gte=params["received_from"])
    if params.get("received_to"):
        qs = qs.filter(received_on__lte=params["received_to"])
    return qs


INVOICE_LISTING = Listing(
    name="invoices",
    columns=(
        Column("number", "Invoice", lambda i: i.number, sort="number",
               link=lambda i: back_to(i.contract, f"invoice-{i.pk}")),
        Column("contract", "Contract", lambda i: i.contract.reference, sort="contract__reference",
               link=lambda i: i.contract.get_absolute_url()),
        Column("vendor", "Vendor", lambda i: str(i.contract.vendor), sort="contract__vendor__legal_name"),
        Column("amount", "Amount", lambda i: i.amount, sort="amount"),
        Column("currency", "Currency", lambda i: i.contract.currency),
        Column("received", "Received", lambda i: i.received_on, sort="received_on"),
        Column("status", "Status", display("status"), sort="status"),
        Column("milestone", "Milestone", lambda i: i.milestone.title if i.milestone else ""),
        Column("paid", "Paid on", lambda i: i.paid_on, sort="paid_on"),
    ),
    rows=_invoice_rows, default_sort="-received", filter_form=InvoiceFilterForm,
)


@login_required
@require_GET
def invoice_list(request):
    return INVOICE_LISTING.respond(request, "procurement/lists/page.html", {
        "title": "Invoices", "filter_label": "Filter invoices", "clear_url": request.path,
        "intro": "Invoices of every contract you can see.",
        "empty_message": "No invoice of a contract you can see matches these filters.",
    })


# --- KPIs -----------------------------------------------------------------------------------------------------
BREACH_CHOICES = [("", "Any"), ("breached", "Breached at least once"), ("never", "Never breached")]


class KpiFilterForm(_AcrossContractsForm):
    name = forms.CharField(label="KPI", required=False, max_length=120)
    frequency = forms.ChoiceField(label="Frequency", required=False, choices=[("", "Any"), *Frequency.choices])
    breaches = forms.ChoiceField(label="Breaches", required=False, choices=BREACH_CHOICES)


def _kpi_rows(user, params: dict):
    latest = KpiMeasurement.objects.filter(kpi=OuterRef("pk")).order_by("-measured_on", "-pk")
    qs = Kpi.objects.filter(contract__in=_visible_contracts(user)).select_related(
        "contract", "contract__vendor").annotate(
        breach_count=Count("measurements", filter=Q(measurements__breach=True)),
        last_measured=Subquery(latest.values("measured_on")[:1]),
        last_value=Subquery(latest.values("value")[:1]),
    )
    qs = _contract_filter(qs, params)
    if params.get("name"):
        qs = qs.filter(name__icontains=params["name"])
    if params.get("frequency"):
        qs = qs.filter(frequency=params["frequency"])
    if params.get("breaches") == "breached":
        qs = qs.filter(breach_count__gt=0)
    elif params.get("breaches") == "never":
        qs = qs.filter(breach_count=0)
    return qs


def _plain(value) -> str:
    return "" if value is None else f"{value.normalize():f}"


KPI_LISTING = Listing(
    name="kpis",
    columns=(
        Column("name", "KPI", lambda k: k.name, sort="name", link=lambda k: back_to(k.contract, f"kpi-{k.pk}")),
        Column("contract", "Contract", lambda k: k.contract.reference, sort="contract__reference",
               link=lambda k: k.contract.get_absolute_url()),
        Column("vendor", "Vendor", lambda k: str(k.contract.vendor), sort="contract__vendor__legal_name"),
        Column("target", "Target", lambda k: k.target_text),
        Column("frequency", "Frequency", display("frequency"), sort="frequency"),
        Column("measured", "Last measured", lambda k: k.last_measured, sort="last_measured"),
        Column("value", "Last value", lambda k: _plain(k.last_value)),
        Column("breaches", "Breaches", lambda k: k.breach_count, sort="breach_count"),
    ),
    rows=_kpi_rows, default_sort="-breaches", filter_form=KpiFilterForm,
)


@login_required
@require_GET
def kpi_list(request):
    return KPI_LISTING.respond(request, "procurement/lists/page.html", {
        "title": "KPIs", "filter_label": "Filter KPIs", "clear_url": request.path,
        "intro": "The KPIs of every contract you can see, with their latest measurement and breaches.",
        "empty_message": "No KPI of a contract you can see matches these filters.",
    })


# --- obligations (the contracts' deliverables with due dates) -------------------------------------------------
OBLIGATION_STATES = [("", "Any status"), *MilestoneStatus.choices, (LATE, "Late (planned, past its due date)")]


class ObligationFilterForm(_AcrossContractsForm):
    title = forms.CharField(label="Deliverable", required=False, max_length=200)
    status = forms.ChoiceField(label="Status", required=False, choices=OBLIGATION_STATES)
    due_from = forms.DateField(label="Due from", required=False, widget=DATE)
    due_to = forms.DateField(label="Due to", required=False, widget=DATE)

    def clean(self):
        _date_range_errors(self, "due_from", "due_to")
        return self.cleaned_data


def _obligation_rows(user, params: dict):
    today = timezone.localdate()
    qs = Milestone.objects.filter(contract__in=_visible_contracts(user)).select_related(
        "contract", "contract__vendor")
    qs = _contract_filter(qs, params)
    if params.get("title"):
        qs = qs.filter(title__icontains=params["title"])
    status = params.get("status")
    if status == LATE:
        qs = qs.filter(status=MilestoneStatus.PLANNED, due_date__lt=today)
    elif status == MilestoneStatus.PLANNED:
        qs = qs.filter(status=status, due_date__gte=today)
    elif status:
        qs = qs.filter(status=status)
    if params.get("due_from"):
        qs = qs.filter(due_date__gte=params["due_from"])
    if params.get("due_to"):
        qs = qs.filter(due_date__lte=params["due_to"])
    return qs


OBLIGATION_LISTING = Listing(
    name="obligations",
    columns=(
        Column("title", "Deliverable", lambda m: m.title, sort="title",
               link=lambda m: back_to(m.contract, f"milestone-{m.pk}")),
        Column("contract", "Contract", lambda m: m.contract.reference, sort="contract__reference",
               link=lambda m: m.contract.get_absolute_url()),
        Column("vendor", "Vendor", lambda m: str(m.contract.vendor), sort="contract__vendor__legal_name"),
        Column("due", "Due", lambda m: m.due_date, sort="due_date"),
        Column("status", "Status", lambda m: m.state_label_on(timezone.localdate()), sort="status"),
        Column("payment", "Payment on acceptance", lambda m: m.payment_amount, sort="payment_amount"),
        Column("delivered", "Delivered on", lambda m: m.delivered_on, sort="delivered_on"),
    ),
    rows=_obligation_rows, default_sort="due", filter_form=ObligationFilterForm,
)


@login_required
@require_GET
def obligation_list(request):
    return OBLIGATION_LISTING.respond(request, "procurement/lists/page.html", {
        "title": "Obligations", "filter_label": "Filter obligations", "clear_url": request.path,
        "intro": "The deliverables of every contract you can see, with their due dates and status.",
        "empty_message": "No deliverable of a contract you can see matches these filters.",
    })


urls = [
    path("invoices/", invoice_list, name="invoice_list"),
    path("kpis/", kpi_list, name="kpi_list"),
    path("obligations/", obligation_list, name="obligation_list"),
]
