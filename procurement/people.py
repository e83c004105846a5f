"""Person pickers: a choice of people labelled the way people recognise each other.

`PersonChoiceField(queryset=..., **kwargs)` is a ModelChoiceField whose options read
"Full name — role(s) (username)". The caller gives the queryset: only the people who may take that seat (active,
with the right role, not the procedure's lead where the lead may not sit, ...). The field sorts it by name and
fetches the roles with it, so a long list costs one query for the people and one for their roles.
"""

from django import forms
from django.db.models import Prefetch, QuerySet

from procurement.accounts.roles import Role

ROLE_LABELS = dict(Role.choices)


def people_with_role(*roles: str) -> QuerySet:
    """Active people holding any of `roles`, for a picker's queryset."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(is_active=True, groups__name__in=roles).distinct()


def person_label(user) -> str:
    """"Full name — role(s) (username)"; the roles come from a prefetch when there is one."""
    name = user.get_full_name() or user.get_username()
    roles = sorted(ROLE_LABELS.get(group.name, group.name) for group in user.groups.all())
    label = name
    if roles:
        label += " — " + ", ".join(roles)
    return f"{label} ({user.get_username()})"


def _sorted(queryset: QuerySet) -> QuerySet:
    from django.contrib.auth.models import Group

    return queryset.prefetch_related(None).order_by("last_name", "first_name", "username").prefetch_related(
        Prefetch("groups", queryset=Group.objects.order_by("name")))


class PersonChoiceField(forms.ModelChoiceField):
    """One person, chosen among `queryset` (the caller decides who may take the seat)."""

    def __init__(self, queryset, **kwargs):
        super().__init__(queryset=queryset, **kwargs)  # sorted by the property below

    def _set_queryset(self, queryset):
        super()._set_queryset(None if queryset is None else _sorted(queryset))

    queryset = property(forms.ModelChoiceField._get_queryset, _set_queryset)

    def label_from_instance(self, obj) -> str:
        return person_label(obj)


class PeopleChoiceField(forms.ModelMultipleChoiceField):
    """Several people among `queryset`, labelled like PersonChoiceField (checkboxes by default)."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, queryset, **kwargs):
        super().__init__(queryset=queryset, **kwargs)  # sorted by the property below

    def _set_queryset(self, queryset):
        super()._set_queryset(None if queryset is None else _sorted(queryset))

    queryset = property(forms.ModelChoiceField._get_queryset, _set_queryset)

    def label_from_instance(self, obj) -> str:
        return person_label(obj)
