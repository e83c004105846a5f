"""The project's URLconf plus the time-zone page (`time_zone`), for tests/procurement/test_people_places.py while
procurement/urls.py does not list it yet. No tests here."""

from django.urls import path

from procurement.time_zones import time_zone_view
from procurement.urls import handler400, handler403, handler404, handler500
from procurement.urls import urlpatterns as project_patterns

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]

urlpatterns = list(project_patterns)
if not any(getattr(p, "name", None) == "time_zone" for p in urlpatterns):
    urlpatterns.append(path("accounts/time-zone/", time_zone_view, name="time_zone"))
