"""Portal pages: home (issue 20). Placeholder views answer 404 until the area is built."""

from django.http import Http404
from django.urls import path


def _not_built(request, **kwargs):
    raise Http404("Not built yet.")


urlpatterns: list = [
    path("", _not_built, name="home"),
    path("procedures/<str:reference>/", _not_built, name="procedure"),
    path("procedures/<str:reference>/documents/<int:document_id>/", _not_built, name="rfp_document"),
]
