"""What a notification is about, and the channels it goes out on.

The kinds are the apps' (`Contributions.notification_kinds`): each app declares the kinds it sends, and the
kernel knows them only through the collected registry. Each kind can be switched on or off per channel by
each person. The stored values never change (rows and preferences keep them).
"""

from django.db import models

from procurement.contributions import collect


class Channel(models.TextChoices):
    IN_APP = "in_app", "In Baton (inbox)"
    EMAIL = "email", "Email"


def kind_choices() -> list[tuple[str, str]]:
    """(value, label) of every contributed kind, in INSTALLED_APPS order (the models' `choices`, lazily)."""
    return [(kind.value, kind.label) for kind in collect().notification_kinds]


def kind_values() -> list[str]:
    return [value for value, _ in kind_choices()]


def kind_label(value: str) -> str:
    return dict(kind_choices()).get(value, value)
