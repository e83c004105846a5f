"""The portfolio report (issue 21): the portfolio view's panels as a PDF, through the documents kernel.

The report is about the portfolio a person may read, not about one record, so its source is the person who asks
for it (their own report: nobody else sees or downloads it). Leads and auditors may ask; the content is
`contracts.selectors.portfolio.portfolio(user)` with the same charts as the page, so page and PDF never disagree.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Q
from django.utils.safestring import mark_safe

from contracts.charts import bar_chart_svg
from contracts.selectors import portfolio as selectors
from procurement import authz
from procurement.documents.registry import DocumentKind, register

KIND = "portfolio_report"
CACHE = "_baton_portfolio_data"


class PortfolioReportPolicy(authz.ObjectPolicy):
    """A person sees (and asks for) only their own portfolio report, and only while they may read the portfolio."""

    view_codename = None

    @property
    def model(self):
        from django.contrib.auth import get_user_model

        return get_user_model()

    def sees_everything(self, user) -> bool:
        return False

    def related(self, user):
        return Q(pk=user.pk) if selectors.may_see_portfolio(user) else None


portfolio_report_policy = PortfolioReportPolicy()


def _amount(value) -> str:
    return f"{Decimal(value):,.0f}"


def _charts(data: dict) -> dict:
    """The SVG of each panel (labels escaped by contracts.charts)."""
    cycle = [(r["label"], r["mean_days"], f"{r['mean_days']} days") for r in data["cycle"]["rows"]
             if r["mean_days"] is not None]
    spend = data["spend"]
    main = spend["currencies"][0] if len(spend["currencies"]) == 1 else None
    tiers: dict[str, int] = {}
    for row in spend["by_tier"]:
        tiers[row["label"]] = tiers.get(row["label"], 0) + row["contracts"]
    offers = [(r["reference"], abs(r["percent"]), f"{r['percent']:+.1f} %") for r in data["offers"]["rows"]
              if r["percent"] is not None][:selectors.TOP]
    att = data["attestations"]
    charts = {
        "cycle": bar_chart_svg(title="Mean days per stage", rows=cycle, unit="days",
                               empty="No procedure has left a stage yet."),
        "tiers": bar_chart_svg(title="Contracts by vendor tier", rows=[(k, v, str(v)) for k, v in tiers.items()],
                               empty="No contract yet."),
        "vendors": bar_chart_svg(
            title="Spend by vendor" + (f" ({main})" if main else " (each in its own currency)"),
            rows=[(f"{r['vendor']} ({r['currency']})", float(r["total"]), _amount(r["total"]))
                  for r in spend["by_vendor"][:selectors.TOP]], empty="No contract yet."),
        "offers": bar_chart_svg(title="Change from first offer to final value (size of the change)", rows=offers,
                                empty="No contract has a priced first offer to compare."),
        "evaluators": bar_chart_svg(title="Assignments per evaluator",
                                    rows=[(r["name"], r["assignments"], str(r["assignments"]))
                                          for r in data["evaluators"]["rows"]], empty="No evaluator assigned."),
        "attestations": bar_chart_svg(title="Vendors by attestation coverage", rows=[
            ("Valid", att["valid"], str(att["valid"])),
            (f"Expiring within {att['horizon_days']} days", att["expiring"], str(att["expiring"])),
            ("Only expired", att["expired"], str(att["expired"])), ("None", att["none"], str(att["none"]))]),
        "breaches": bar_chart_svg(title="KPI breaches by vendor", rows=[(r["vendor"], r["breaches"], str(r["breaches"]))
                                                                       for r in data["breaches"]["rows"]],
                                  empty="No KPI breach recorded."),
    }
    # Justified mark_safe: built by contracts.charts, every label and number escaped there.
    return {key: mark_safe(svg) for key, svg in charts.items()}  # noqa: S308  # nosec


def portfolio_data(user) -> dict:
    """The panels and their charts for `user`, computed once per user object (the page and the document
    component's freshness check share it within a request)."""
    cached = getattr(user, CACHE, None)
    if cached is None:
        cached = selectors.portfolio(user)
        cached["charts"] = _charts(cached)
        setattr(user, CACHE, cached)
    return cached


def report_context(user) -> dict:
    return {"data": portfolio_data(user)}


PORTFOLIO_REPORT = register(DocumentKind(
    key=KIND,
    label="Portfolio report",
    source_model="accounts.User",
    policy=portfolio_report_policy,
    template="contracts/portfolio/report_pdf.html",
    build_context=report_context,
    filename=lambda user, version: f"portfolio-report-{user.get_username()}-v{version}",
    title=lambda user: "Portfolio report",
    reference=lambda user: f"for {user.get_full_name() or user.get_username()}",
    source_label="portfolio",
), replace=True)
