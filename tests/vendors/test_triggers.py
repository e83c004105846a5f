"""Reassessment triggers: immediate re-tiering, the DD items a rise opens, what a fall keeps; the page and who may
record one; closing follow-ups by hand."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from procurement.accounts.roles import Role
from procurement.exceptions import InvalidTransition
from tests.factories.vendors import AttestationFactory, EvidenceFactory, VendorFactory
from vendors.models import Attestation, EvidenceKind, ReassessmentTrigger, TierAssessment, Vendor, VendorTask
from vendors.selectors import tier_obligations
from vendors.services import evidence_review, monitoring, tier_assess, tier_override, trigger_record

pytestmark = pytest.mark.django_db

MEDIUM = {"data_sensitivity": "personal", "business_criticality": "low", "people_impact": "none",
          "high_risk_use": "no", "autonomy": "standalone", "spend_band": "under_50k", "substitutability": "easy"}


@pytest.fixture
def medium_vendor(lead):
    vendor = VendorFactory(owner=lead)
    tier_assess(actor=lead, vendor=vendor, answers=MEDIUM)
    vendor.refresh_from_db()
    assert vendor.tier == "medium"
    return vendor


def record(vendor, actor, **kwargs):
    params = {"kind": ReassessmentTrigger.Kind.DATA_CHANGE, "occurred_on": timezone.localdate() - timedelta(days=1),
              "description": "They now receive health data for the claims triage pilot.",
              "answers": {"data_sensitivity": "special_category"}} | kwargs
    return trigger_record(actor=actor, vendor=vendor, **params)


def dd_tasks(vendor):
    return VendorTask.objects.filter(vendor=vendor, kind=VendorTask.Kind.DD_ITEM, status=VendorTask.Status.OPEN)


def test_a_tier_rise_opens_the_new_tiers_missing_dd_items(medium_vendor, lead):
    # already satisfied today: the security questionnaire (accepted evidence) and the certificate (attestation)
    EvidenceFactory(vendor=medium_vendor, kind=EvidenceKind.SECURITY_QUESTIONNAIRE)
    AttestationFactory(vendor=medium_vendor, standard=Attestation.Standard.ISO_27001)

    trigger = record(medium_vendor, lead)

    medium_vendor.refresh_from_db()
    assert (trigger.tier_before, trigger.tier_after, trigger.direction) == ("medium", "high", "rose")
    assert medium_vendor.tier == "high" and not medium_vendor.tier_overridden
    assert trigger.answer_changes == {"data_sensitivity": ["personal", "special_category"]}
    assert trigger.assessment.answers["data_sensitivity"] == "special_category"
    assert trigger.assessment.kind == TierAssessment.Kind.QUESTIONNAIRE
    high = tier_obligations("high")
    expected = {k for k in high.required_evidence_kinds
                if k not in {EvidenceKind.SECURITY_QUESTIONNAIRE, EvidenceKind.SECURITY_CERTIFICATION}}
    expected.add("references")  # the high plan asks for two references; none on file
    opened = dd_tasks(medium_vendor)
    assert set(opened.values_list("item_code", flat=True)) == expected
    assert all(t.trigger == trigger and t.assignee == lead for t in opened)
    assert "Tier rose from Medium to High." in trigger.outcome and "Already satisfied" in trigger.outcome
    assert trigger.history.first().history_change_reason.startswith("Tier rose from Medium to High")
    assert (medium_vendor.history.first().history_change_reason
            == "Tier high after trigger: Change in the data processed")


def test_a_second_rise_does_not_open_an_item_twice(medium_vendor, lead):
    record(medium_vendor, lead)
    before = set(dd_tasks(medium_vendor).values_list("item_code", flat=True))

    record(medium_vendor, lead, kind=ReassessmentTrigger.Kind.SECURITY_INCIDENT,
           description="Credential leak at the vendor.", answers={"high_risk_use": "yes"})

    medium_vendor.refresh_from_db()
    assert medium_vendor.tier == "critical"
    codes = list(dd_tasks(medium_vendor).values_list("item_code", flat=True))
    assert len(codes) == len(set(codes))
    assert before < set(codes)


def test_an_unchanged_tier_opens_nothing(medium_vendor, lead):
    trigger = record(medium_vendor, lead, kind=ReassessmentTrigger.Kind.MODEL_SWAP,
                     description="Moved to the next model version.", answers={})

    assert (trigger.tier_before, trigger.tier_after, trigger.direction) == ("medium", "medium", "unchanged")
    assert trigger.answer_changes == {}
    assert not dd_tasks(medium_vendor).exists()
    assert trigger.outcome == "Tier unchanged (Medium); nothing new to collect."


def test_a_tier_fall_keeps_open_items_and_names_what_is_no_longer_required(medium_vendor, lead):
    record(medium_vendor, lead)  # medium -> high: items opened
    opened = set(dd_tasks(medium_vendor).values_list("pk", flat=True))
    EvidenceFactory(vendor=medium_vendor, kind=EvidenceKind.PENTEST_SUMMARY)

    fall = record(medium_vendor, lead, answers={"data_sensitivity": "none"},
                  description="The pilot ended; no personal data is sent any more.")

    medium_vendor.refresh_from_db()
    assert (fall.tier_before, fall.tier_after, fall.direction) == ("high", "low", "fell")
    assert set(dd_tasks(medium_vendor).values_list("pk", flat=True)) == opened  # nothing closed by the fall
    assert not VendorTask.objects.filter(trigger=fall).exists()  # and nothing opened
    assert "Tier fell from High to Low" in fall.outcome
    assert "Evidence already collected stays on file" in fall.outcome
    assert "Penetration-test summary," in fall.outcome  # no longer required, and on file
    assert "Insurance certificate (missing)" in fall.outcome  # no longer required, and never collected
    assert "stay open until a Procurement lead closes each with a reason" in fall.outcome


def test_a_trigger_replaces_an_override_and_says_so(medium_vendor, lead):
    tier_override(actor=lead, vendor=medium_vendor, tier="critical", reason="Board asked for it")

    trigger = record(medium_vendor, lead, answers={})

    medium_vendor.refresh_from_db()
    assert medium_vendor.tier == "medium" and not medium_vendor.tier_overridden
    assert "manual override" in trigger.outcome
    assert "replaces the manual override to Critical" in trigger.assessment.reason


def test_accepted_evidence_completes_an_opened_item(medium_vendor, lead):
    record(medium_vendor, lead)
    task = dd_tasks(medium_vendor).get(item_code=EvidenceKind.PENTEST_SUMMARY)
    pentest = EvidenceFactory(vendor=medium_vendor, kind=EvidenceKind.PENTEST_SUMMARY, review_outcome="pending")

    evidence_review(actor=lead, evidence=pentest, outcome="accepted")

    task.refresh_from_db()
    assert task.status == VendorTask.Status.DONE and task.closed_by == lead
    assert task.close_reason.startswith("Satisfied: accepted")


@pytest.mark.parametrize(("changes", "field"), [
    ({"occurred_on": None}, "occurred_on"),
    ({"occurred_on": timezone.localdate() + timedelta(days=3)}, "occurred_on"),
    ({"description": "   "}, "description"),
    ({"kind": "gossip"}, "kind"),
    ({"answers": {"data_sensitivity": "everything"}}, "data_sensitivity"),
])
def test_bad_input_is_refused_at_the_field_and_nothing_is_saved(medium_vendor, lead, changes, field):
    assessments = TierAssessment.objects.count()

    with pytest.raises(ValidationError) as caught:
        record(medium_vendor, lead, **changes)

    assert field in caught.value.message_dict
    assert TierAssessment.objects.count() == assessments
    assert not ReassessmentTrigger.objects.exists() and not ReassessmentTrigger.history.exists()
    assert not VendorTask.objects.exists()
    assert Vendor.objects.get(pk=medium_vendor.pk).tier == "medium"


def test_an_untiered_vendor_cannot_take_a_trigger(lead):
    vendor = VendorFactory(owner=lead)

    with pytest.raises(ValidationError, match="tiering questionnaire first"):
        record(vendor, lead)


@pytest.mark.parametrize(("role", "refusal"), [
    (Role.POST_AWARD_MANAGER, Http404), (Role.EVALUATOR, Http404), (Role.COMMITTEE_APPROVER, Http404),
    (Role.AUDITOR, PermissionDenied),  # sees every vendor, changes nothing
])
def test_only_a_procurement_lead_records_a_trigger(medium_vendor, make_user, role, refusal):
    with pytest.raises(refusal):
        record(medium_vendor, make_user(role))

    assert not ReassessmentTrigger.objects.exists()
    assert TierAssessment.objects.filter(vendor=medium_vendor).count() == 1


# --- the page ---------------------------------------------------------------------------------------------


def test_the_lead_records_a_trigger_through_the_form(client, lead, medium_vendor):
    client.force_login(lead)
    url = f"/vendors/{medium_vendor.pk}/triggers/new/"
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="data_sensitivity"' in page.content.decode()

    response = client.post(url, {**MEDIUM, "data_sensitivity": "special_category", "kind": "data_change",
                                 "occurred_on": timezone.localdate().isoformat(),
                                 "description": "Health data for the pilot."})

    assert response.status_code == 302 and response["Location"].endswith("#triggers")
    trigger = ReassessmentTrigger.objects.get()
    assert trigger.answer_changes == {"data_sensitivity": ["personal", "special_category"]}
    detail = client.get(medium_vendor.get_absolute_url()).content.decode()
    assert "Data sensitivity: Personal data → Special-category personal data" in detail
    assert "Collect: Penetration-test summary" in detail


def test_bad_form_input_answers_400_with_field_errors_and_saves_nothing(client, lead, medium_vendor):
    client.force_login(lead)

    response = client.post(f"/vendors/{medium_vendor.pk}/triggers/new/",
                           {"kind": "data_change", "occurred_on": "2999-01-01", "description": "",
                            "data_sensitivity": "nonsense"})

    assert response.status_code == 400
    form = response.context["form"]
    assert {"description", "data_sensitivity"} <= set(form.errors)
    assert not ReassessmentTrigger.objects.exists()

    next_week = (timezone.localdate() + timedelta(days=7)).isoformat()
    response = client.post(f"/vendors/{medium_vendor.pk}/triggers/new/",
                           {"kind": "data_change", "occurred_on": next_week, "description": "Later."})
    assert response.status_code == 400
    assert "Cannot be in the future." in response.context["form"].errors["occurred_on"]
    assert not ReassessmentTrigger.objects.exists()


def test_who_may_open_the_trigger_page(client, make_user, medium_vendor, lead):
    owner_not_lead = medium_vendor  # the owner is the lead here; a manager granted view access sees the vendor
    manager = make_user(Role.POST_AWARD_MANAGER)
    from vendors.services import vendor_grant_view

    vendor_grant_view(actor=lead, vendor=owner_not_lead, user=manager, reason="Runs the contract")
    url = f"/vendors/{medium_vendor.pk}/triggers/new/"

    client.force_login(manager)
    assert client.get(url).status_code == 403  # sees the vendor, may not record
    assert client.post(url, {"kind": "model_swap"}).status_code == 403
    client.force_login(make_user(Role.EVALUATOR))
    assert client.get(url).status_code == 404  # cannot see the vendor at all
    client.force_login(make_user(Role.AUDITOR))
    assert client.get(url).status_code == 403
    assert not ReassessmentTrigger.objects.exists()
    client.force_login(manager)
    assert "Record a reassessment trigger" not in client.get(medium_vendor.get_absolute_url()).content.decode()


def test_a_lead_closes_a_follow_up_with_a_reason(client, lead, medium_vendor, make_user):
    record(medium_vendor, lead)
    task = VendorTask.objects.filter(vendor=medium_vendor).first()
    url = f"/vendors/{medium_vendor.pk}/tasks/{task.pk}/close/"
    client.force_login(lead)

    refused = client.post(url, {"reason": ""})  # a bad form answers 400, the error next to the field
    assert refused.status_code == 400 and 'id="id_reason_error"' in refused.content.decode()
    task.refresh_from_db()
    assert task.is_open  # no reason, nothing changed

    client.post(url, {"reason": "Covered by the group-wide pentest"})
    task.refresh_from_db()
    assert (task.status, task.closed_by, task.close_reason) == (
        VendorTask.Status.CLOSED, lead, "Covered by the group-wide pentest")
    assert task.history.first().history_change_reason == "Closed without completion: Covered by the group-wide pentest"
    with pytest.raises(InvalidTransition):
        monitoring.task_close(actor=lead, task=task, reason="again")
    client.force_login(make_user(Role.AUDITOR))
    other = VendorTask.objects.filter(vendor=medium_vendor, status="open").first()
    assert client.post(f"/vendors/{medium_vendor.pk}/tasks/{other.pk}/close/", {"reason": "x"}).status_code == 403


def test_the_vendor_page_query_count_does_not_grow_with_follow_ups(client, lead, medium_vendor,
                                                                  django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(lead)
    url = medium_vendor.get_absolute_url()
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    record(medium_vendor, lead)
    record(medium_vendor, lead, answers={"high_risk_use": "yes"})
    with CaptureQueriesContext(connection) as large:
        assert "Collect:" in client.get(url).content.decode()
    assert len(large) == len(small)
