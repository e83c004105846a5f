"""The portfolio view for leads and auditors (issue 21): SVG charts in the page and in a PDF report."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.urls import path


@login_required
def portfolio(request, **kwargs):  # scaffold: replaced by the helper who owns this module
    raise Http404("Not built yet.")


urls = [
    path("portfolio/", portfolio, name="portfolio"),
]
