"""procurement.services.model_update: the field part of every `<entity>_update` service."""

import pytest
from django.core.exceptions import ValidationError

from procurement.services import model_update
from vendors.models import Vendor

pytestmark = pytest.mark.django_db


def test_only_allowed_fields_change_and_history_carries_actor_and_reason(vendor, lead):
    model_update(instance=vendor, fields={"legal_name": "Renamed SAS"}, allowed={"legal_name"}, actor=lead,
                 reason="Name corrected")

    stored = Vendor.objects.get(pk=vendor.pk)
    row = stored.history.first()
    assert stored.legal_name == "Renamed SAS"
    assert (row.history_user, row.history_change_reason) == (lead, "Name corrected")


def test_a_field_outside_the_allowed_set_is_a_programming_error_and_nothing_is_saved(vendor, lead):
    count = vendor.history.count()

    with pytest.raises(ValueError, match="cannot change: status"):
        model_update(instance=vendor, fields={"status": "exited"}, allowed={"legal_name"}, actor=lead, reason="x")

    assert Vendor.objects.get(pk=vendor.pk).status == vendor.status and vendor.history.count() == count


def test_the_check_and_full_clean_refuse_before_anything_is_saved(vendor, lead):
    count = vendor.history.count()

    def refuse(instance):
        raise ValidationError({"legal_name": "Not that name."})

    with pytest.raises(ValidationError, match="Not that name"):
        model_update(instance=vendor, fields={"legal_name": "X"}, allowed={"legal_name"}, actor=lead, reason="x",
                     check=refuse)
    with pytest.raises(ValidationError):
        model_update(instance=Vendor.objects.get(pk=vendor.pk), fields={"legal_name": ""}, allowed={"legal_name"},
                     actor=lead, reason="x")

    assert vendor.history.count() == count


def test_only_the_named_columns_are_written(vendor, lead):
    stale = Vendor.objects.get(pk=vendor.pk)
    fresh = Vendor.objects.get(pk=vendor.pk)  # another writer changes a column the stale copy does not know about
    fresh.description = "Kept"
    fresh._change_reason = "test: other writer"
    fresh.save()

    model_update(instance=stale, fields={"legal_name": "Stale copy"}, allowed={"legal_name"}, actor=lead,
                 reason="Renamed")

    stored = Vendor.objects.get(pk=vendor.pk)
    assert (stored.legal_name, stored.description) == ("Stale copy", "Kept")
