"""Lists across vendors (issue 21): the risk register of every vendor the person may see, sorted, filtered,
paginated and exported through procurement.listing. Rows start from `vendor_policy.visible(user)`."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.db.models import F, Q
from django.urls import path
from django.views.decorators.http import require_GET

from procurement.listing import Column, Listing, display
from vendors.models import Risk, Tier
from vendors.policies import vendor_policy

DATE = forms.DateInput(attrs={"type": "date"})


def _person(user) -> str:
    return "" if user is None else (user.get_full_name() or user.get_username())


class RiskFilterForm(forms.Form):
    q = forms.CharField(label="Risk or vendor", required=False, max_length=200)
    category = forms.ChoiceField(label="Category", required=False,
                                 choices=[("", "Any category"), *Risk.Category.choices])
    status = forms.ChoiceField(label="Status", required=False, choices=[("", "Any status"), *Risk.Status.choices])
    tier = forms.ChoiceField(label="Vendor tier", required=False, choices=[("", "Any tier"), *Tier.choices])
    min_residual = forms.IntegerField(label="Residual score at least", required=False, min_value=1, max_value=25,
                                      help_text="Likelihood × impact, 1 to 25.")
    review_by = forms.DateField(label="Review due by", required=False, widget=DATE)


def _risk_rows(user, params: dict):
    qs = Risk.objects.filter(vendor__in=vendor_policy.visible(user).values("pk")).select_related(
        "vendor", "owner").annotate(residual=F("residual_likelihood") * F("residual_impact"),
                                    inherent=F("inherent_likelihood") * F("inherent_impact"))
    if params.get("q"):
        term = params["q"]
        qs = qs.filter(Q(title__icontains=term) | Q(vendor__legal_name__icontains=term)
                       | Q(vendor__trading_name__icontains=term))
    for name, lookup in (("category", "category"), ("status", "status"), ("tier", "vendor__tier")):
        if params.get(name):
            qs = qs.filter(**{lookup: params[name]})
    if params.get("min_residual"):
        qs = qs.filter(residual__gte=params["min_residual"])
    if params.get("review_by"):
        qs = qs.filter(review_date__lte=params["review_by"])
    return qs


RISK_LISTING = Listing(
    name="risk-register",
    columns=(
        Column("title", "Risk", lambda r: r.title, sort="title",
               link=lambda r: r.vendor.get_absolute_url() + "#risks"),
        Column("vendor", "Vendor", lambda r: str(r.vendor), sort="vendor__legal_name",
               link=lambda r: r.vendor.get_absolute_url()),
        Column("tier", "Tier", lambda r: r.vendor.get_tier_display() or "Not tiered", sort="vendor__tier"),
        Column("category", "Category", display("category"), sort="category"),
        Column("inherent", "Inherent score", lambda r: r.inherent, sort="inherent"),
        Column("residual", "Residual score", lambda r: r.residual, sort="residual"),
        Column("rating", "Residual rating", lambda r: r.residual_rating.capitalize()),
        Column("status", "Status", display("status"), sort="status"),
        Column("owner", "Owner", lambda r: _person(r.owner)),
        Column("review", "Review by", lambda r: r.review_date, sort="review_date"),
    ),
    rows=_risk_rows, default_sort="-residual", filter_form=RiskFilterForm,
)


@login_required
@require_GET
def risk_list(request):
    return RISK_LISTING.respond(request, "procurement/lists/page.html", {
        "title": "Risk register", "filter_label": "Filter risks", "clear_url": request.path,
        "intro": "The risks of every vendor you can see, highest residual score first.",
        "empty_message": "No risk of a vendor you can see matches these filters.",
    })


urls = [
    path("risks/", risk_list, name="risk_list"),
]
