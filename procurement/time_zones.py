"""Each person's own time zone (issue 21): the list people choose from, the service that stores a choice, and the
small page that changes it (linked from the notification preferences page).

User.time_zone holds an IANA name ("Europe/Dublin"); empty means the site's zone (settings.TIME_ZONE).
procurement.middleware.UserTimeZoneMiddleware activates it for every request of that person, so dates and times
on pages (and the "(13:00 your time)" next to a deadline) read in their zone.
"""

from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from procurement.accounts.models import User
from procurement.posting import handle_form
from procurement.services import model_update

# Offered first: the zones Baton's users most often sit in; the full list follows.
COMMON_ZONES = (
    "Europe/Dublin", "Europe/London", "Europe/Lisbon", "Europe/Paris", "Europe/Brussels", "Europe/Amsterdam",
    "Europe/Berlin", "Europe/Madrid", "Europe/Rome", "Europe/Stockholm", "Europe/Warsaw", "Europe/Athens",
    "Europe/Helsinki", "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles",
    "America/Toronto", "America/Sao_Paulo", "Asia/Dubai", "Asia/Kolkata", "Asia/Singapore", "Asia/Tokyo",
    "Australia/Sydney", "UTC",
)


@lru_cache(maxsize=1)
def all_zones() -> tuple[str, ...]:
    """Every IANA zone this machine knows (Area/Place names and UTC), sorted."""
    names = {name for name in available_timezones() if "/" in name and not name.startswith(("Etc/", "SystemV/"))}
    return tuple(sorted(names | {"UTC"}))


def is_zone(name: str) -> bool:
    if name not in all_zones():
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def zone_choices(blank_label: str) -> list:
    """Grouped choices: a blank one (the site's zone), the common zones, then all of them."""
    common = [(name, name.replace("_", " ")) for name in COMMON_ZONES if name in all_zones()]
    every = [(name, name.replace("_", " ")) for name in all_zones()]
    return [("", blank_label), ("Common time zones", common), ("All time zones", every)]


class TimeZoneField(forms.ChoiceField):
    """A select of IANA zones (common ones first); blank means the site's zone."""

    def __init__(self, *, blank_label: str | None = None, **kwargs):
        blank_label = blank_label or f"The site's time zone ({settings.TIME_ZONE})"
        kwargs.setdefault("required", False)
        super().__init__(choices=lambda: zone_choices(blank_label), **kwargs)

    def validate(self, value):
        super().validate(value)
        if value and not is_zone(value):
            raise ValidationError("Choose a time zone from the list.", code="invalid_choice")


class TimeZoneForm(forms.Form):
    time_zone = TimeZoneField(label="Your time zone",
                              help_text="Dates and times on Baton's pages are shown in this zone; a deadline set "
                                        "in another zone also shows the time on your clock.")


@transaction.atomic
def user_time_zone_set(*, actor: User, user: User, time_zone: str) -> User:
    """Store a person's time zone (blank: the site's). People change only their own."""
    if actor.pk != user.pk:
        raise PermissionDenied("People choose only their own time zone.")
    name = (time_zone or "").strip()
    if name and not is_zone(name):
        raise ValidationError({"time_zone": "Choose a time zone from the list."})
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.time_zone == name:
        return user
    return model_update(instance=user, fields={"time_zone": name}, allowed=("time_zone",), actor=actor,
                        reason=f"Time zone set to {name or 'the site default'}")


@login_required
def time_zone_view(request):
    """GET: the form with the current choice; POST: store it and go back to the preferences page (400 with the
    message next to the field for a name that is not on the list)."""
    def save(form):
        return user_time_zone_set(actor=request.user, user=request.user, time_zone=form.cleaned_data["time_zone"])

    return handle_form(
        request, TimeZoneForm, save, template="procurement/time_zone.html", success="notifications:preferences",
        form_kwargs={"initial": {"time_zone": request.user.time_zone}},
        context={"now": timezone.now(), "site_zone": settings.TIME_ZONE},
        done=lambda user: f"Times are now shown in {user.time_zone or settings.TIME_ZONE}.")
