"""Portal pages: accounts (issue 20). Placeholder views answer 404 until the area is built."""

from django.http import Http404
from django.urls import path


def _not_built(request, **kwargs):
    raise Http404("Not built yet.")


urlpatterns: list = [
    path("invitations/<str:token>/", _not_built, name="accept"),
]
