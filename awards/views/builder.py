"""The scorecard builder: requirements, groups, criteria, weights and knockouts in one screen (issue 21)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.urls import path


@login_required
def scorecard_builder(request, **kwargs):  # scaffold: replaced by the helper who owns this module
    raise Http404("Not built yet.")


urls = [
    path("<str:reference>/set-up/scorecard/", scorecard_builder, name="scorecard_builder"),
]
