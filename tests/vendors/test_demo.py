"""The vendors demo data: realistic, across every tier, and safe to load twice."""

import io

import pytest
from django.utils import timezone

from procurement import demo as users_demo
from vendors import demo
from vendors.models import Attestation, Evidence, Risk, Vendor
from vendors.selectors import due_diligence_status

pytestmark = pytest.mark.django_db


def test_seed_is_realistic_and_idempotent(settings):
    users = users_demo.seed(io.StringIO())
    today = timezone.localdate()

    demo.seed(users=users, stdout=io.StringIO())
    counts = (Vendor.objects.count(), Evidence.objects.count(), Attestation.objects.count(), Risk.objects.count(),
              Vendor.history.count())
    out = io.StringIO()
    demo.seed(users=users, stdout=out)

    assert (Vendor.objects.count(), Evidence.objects.count(), Attestation.objects.count(), Risk.objects.count(),
            Vendor.history.count()) == counts
    assert "0 created, 8 already there" in out.getvalue()
    assert 6 <= counts[0] <= 8
    assert set(Vendor.objects.values_list("tier", flat=True)) == {"critical", "high", "medium", "low"}
    assert Vendor.objects.filter(tier_overridden=True).exists()
    states = {a.status_on(today) for a in Attestation.objects.all()}
    assert {"expiring", "expired", "valid"} <= states
    assert Risk.objects.filter(status="accepted").exclude(accepted_by=None).exists()
    complete = {v.trading_name: due_diligence_status(v, today).complete for v in Vendor.objects.all()}
    assert complete["Parallax"] and not complete["Meridian"] and not complete["Talentscope"]
    for evidence in Evidence.objects.all():
        assert evidence.size > 0 and len(evidence.sha256) == 64


def test_seed_shows_a_refresh_task_and_a_recorded_trigger_once():
    from procurement.notifications.models import Notification
    from vendors.models import ReassessmentTrigger, VendorTask

    users = users_demo.seed(io.StringIO())
    demo.seed(users=users, stdout=io.StringIO())
    state = (VendorTask.objects.count(), ReassessmentTrigger.objects.count(), Notification.objects.count(),
             Attestation.history.count())

    demo.seed(users=users, stdout=io.StringIO())

    assert (VendorTask.objects.count(), ReassessmentTrigger.objects.count(), Notification.objects.count(),
            Attestation.history.count()) == state
    lumenfold = Vendor.objects.get(trading_name="Lumenfold")
    trigger = lumenfold.reassessment_triggers.get()
    assert (trigger.kind, trigger.tier_before, trigger.tier_after) == ("data_change", "medium", "high")
    assert lumenfold.tier == "high"
    refresh = VendorTask.objects.get(vendor=lumenfold, kind=VendorTask.Kind.ATTESTATION_REFRESH)
    assert refresh.is_open and refresh.attestation.recorded_state == "expired"
    assert VendorTask.objects.filter(vendor=lumenfold, kind=VendorTask.Kind.DD_ITEM, trigger=trigger).exists()
    assert VendorTask.objects.filter(kind=VendorTask.Kind.ATTESTATION_REFRESH, vendor__trading_name="Meridian").exists()
    assert Notification.objects.filter(kind="expiry", recipient=lumenfold.owner).exists()
