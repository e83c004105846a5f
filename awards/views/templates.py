"""Templates and cloning (issue 21): scorecard and procedure set-up templates, starting a procedure from one or
from an earlier procedure."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.urls import path


@login_required
def template_list(request, **kwargs):  # scaffold: replaced by the helper who owns this module
    raise Http404("Not built yet.")


@login_required
def procedure_start(request, **kwargs):  # scaffold: replaced by the helper who owns this module
    raise Http404("Not built yet.")


urls = [
    path("templates/", template_list, name="template_list"),
    path("start/", procedure_start, name="procedure_start"),
]
