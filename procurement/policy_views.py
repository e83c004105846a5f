"""The policy tables' index and each table's versions (issue 21); each table's own page belongs to its app."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.urls import path


@login_required
def index(request, **kwargs):  # scaffold: replaced by the helper who owns this module
    raise Http404("Not built yet.")


app_name = "policy"

urlpatterns = [
    path("", index, name="index"),
]
