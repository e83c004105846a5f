"""The portfolio view for leads and auditors (issue 21): SVG charts in the page and in a PDF report.

Signed-in people without the role get 403 (the app's convention for role pages, like the global audit log).
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from contracts.portfolio_documents import KIND, portfolio_data
from contracts.selectors.portfolio import may_see_portfolio

REFUSAL = "Only procurement leads and auditors read the portfolio."


@login_required
@require_GET
def portfolio(request):
    if not may_see_portfolio(request.user):
        raise PermissionDenied(REFUSAL)
    return render(request, "contracts/portfolio/page.html", {
        "data": portfolio_data(request.user), "report_kind": KIND, "me": request.user,
    })


urls = [
    path("portfolio/", portfolio, name="portfolio"),
]
