"""Due-diligence completeness as of a date, and the plan per tier (the interface the awards app uses)."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from tests.factories.vendors import AttestationFactory, EvidenceFactory, VendorFactory
from vendors.models import Attestation, DueDiligencePlan, DueDiligenceRequirement, Evidence, EvidenceKind
from vendors.selectors import (
    dd_checklist,
    due_diligence_status,
    tier_obligations,
    valid_attestations,
)

D = date(2026, 12, 1)

# Records are created "now" and judged on D (an attestation counts only once recorded): the clock stands still at
# 09:00 on D, so the module passes on any calendar date.
pytestmark = [pytest.mark.django_db,
              pytest.mark.time_machine(datetime(2026, 12, 1, 9, 0, tzinfo=ZoneInfo("Europe/London")), tick=False)]
LOW_KINDS = (EvidenceKind.SECURITY_QUESTIONNAIRE, EvidenceKind.DPA)


def at(day: date):
    return timezone.make_aware(datetime(day.year, day.month, day.day, 9, 0))


@pytest.fixture
def low_vendor(vendor):
    vendor.tier = "low"
    vendor.save()
    return vendor


def evidence(vendor, kind, **kwargs):
    defaults = {"effective_date": D - timedelta(days=60), "uploaded_at": at(D - timedelta(days=30)),
                "review_outcome": Evidence.Outcome.ACCEPTED}
    return EvidenceFactory(vendor=vendor, kind=kind, **(defaults | kwargs))


def test_seeded_plans_per_tier():
    critical, high, medium, low = (tier_obligations(t) for t in ("critical", "high", "medium", "low"))

    assert (critical.references_required, critical.independent_references_required, critical.pov_required) == (
        3, 2, True)
    assert len(critical.required_evidence_kinds) == 12
    assert EvidenceKind.ISO_42001 in critical.required_evidence_kinds
    assert EvidenceKind.ISO_42001 not in high.required_evidence_kinds and high.pov_required
    assert not medium.pov_required and medium.references_required == 1
    assert low.required_evidence_kinds == LOW_KINDS
    assert tier_obligations("") == critical  # untiered: the strictest plan


def test_the_plan_rows_are_configuration(low_vendor):
    plan = DueDiligencePlan.objects.get(tier="low")
    DueDiligenceRequirement.objects.create(plan=plan, evidence_kind=EvidenceKind.INSURANCE)
    plan.pov_required = True
    plan.save()

    obligations = tier_obligations("low")
    assert EvidenceKind.INSURANCE in obligations.required_evidence_kinds and obligations.pov_required
    assert "Insurance certificate: none valid on 2026-12-01 (nothing uploaded)" in \
        due_diligence_status(low_vendor, D).gaps


def test_complete_when_every_required_kind_has_accepted_current_evidence(low_vendor):
    for kind in LOW_KINDS:
        evidence(low_vendor, kind)

    status = due_diligence_status(low_vendor, D)

    assert status.complete and status.gaps == ()
    assert status.as_of == D and len(status.satisfied) == 2


def test_expired_evidence_does_not_count(low_vendor):
    evidence(low_vendor, EvidenceKind.DPA)
    evidence(low_vendor, EvidenceKind.SECURITY_QUESTIONNAIRE, valid_until=D - timedelta(days=1))

    status = due_diligence_status(low_vendor, D)

    assert not status.complete
    assert status.gaps == ("Security questionnaire: none valid on 2026-12-01 (expired on 2026-11-30)",)
    assert due_diligence_status(low_vendor, D - timedelta(days=1)).complete  # valid through its last day


def test_future_dated_evidence_does_not_count_yet(low_vendor):
    evidence(low_vendor, EvidenceKind.DPA)
    evidence(low_vendor, EvidenceKind.SECURITY_QUESTIONNAIRE, effective_date=D + timedelta(days=1))

    assert due_diligence_status(low_vendor, D).gaps == (
        "Security questionnaire: none valid on 2026-12-01 (not in effect until 2026-12-02)",)
    assert due_diligence_status(low_vendor, D + timedelta(days=1)).complete


@pytest.mark.parametrize(("outcome", "why"), [
    (Evidence.Outcome.REJECTED, "rejected at review"),
    (Evidence.Outcome.PENDING, "awaiting review"),
    (Evidence.Outcome.GAPS_NOTED, "reviewed with gaps noted"),
])
def test_only_accepted_evidence_counts(low_vendor, outcome, why):
    evidence(low_vendor, EvidenceKind.DPA)
    evidence(low_vendor, EvidenceKind.SECURITY_QUESTIONNAIRE, review_outcome=outcome)

    assert due_diligence_status(low_vendor, D).gaps == (f"Security questionnaire: none valid on 2026-12-01 ({why})",)


def test_evidence_uploaded_after_the_date_is_not_known_then(low_vendor):
    evidence(low_vendor, EvidenceKind.DPA)
    evidence(low_vendor, EvidenceKind.SECURITY_QUESTIONNAIRE, uploaded_at=at(D + timedelta(days=3)))

    assert not due_diligence_status(low_vendor, D).complete
    assert due_diligence_status(low_vendor, D + timedelta(days=3)).complete


def test_a_rejected_new_version_replaces_the_accepted_old_one(low_vendor):
    evidence(low_vendor, EvidenceKind.DPA)
    old = evidence(low_vendor, EvidenceKind.SECURITY_QUESTIONNAIRE)
    evidence(low_vendor, EvidenceKind.SECURITY_QUESTIONNAIRE, supersedes=old,
             uploaded_at=at(D - timedelta(days=5)), review_outcome=Evidence.Outcome.REJECTED)

    assert not due_diligence_status(low_vendor, D).complete
    assert due_diligence_status(low_vendor, D - timedelta(days=10)).complete  # before the new version existed


def test_certificates_can_be_satisfied_by_a_valid_attestation(vendor):
    vendor.tier = "critical"
    vendor.save()
    AttestationFactory(vendor=vendor, standard=Attestation.Standard.ISO_42001, issued_on=D - timedelta(days=300),
                       expires_on=D - timedelta(days=1))
    AttestationFactory(vendor=vendor, standard=Attestation.Standard.SOC2_TYPE2, issued_on=D - timedelta(days=100),
                       expires_on=D + timedelta(days=200))

    status = due_diligence_status(vendor, D)

    assert any(g.startswith("ISO/IEC 42001 certificate: none valid on 2026-12-01") for g in status.gaps)
    assert any(s.startswith("ISO/IEC 27001 certificate or SOC 2 Type II report: SOC 2 Type II attestation")
               for s in status.satisfied)


def test_references_are_counted_with_independent_ones(vendor):
    vendor.tier = "high"  # 2 references, 1 independent
    vendor.save()
    evidence(vendor, EvidenceKind.REFERENCE, source=Evidence.Source.SELF_REPORTED)
    evidence(vendor, EvidenceKind.REFERENCE, source=Evidence.Source.SELF_REPORTED)

    refs = [i for i in dd_checklist(vendor, D).items if i.code == "references"][0]
    assert not refs.satisfied
    assert refs.detail.startswith("2 of 2 accepted, 0 of 1 independently sourced")

    evidence(vendor, EvidenceKind.REFERENCE, source=Evidence.Source.INDEPENDENT)
    refs = [i for i in dd_checklist(vendor, D).items if i.code == "references"][0]
    assert refs.satisfied


def test_an_untiered_vendor_is_judged_against_the_critical_plan_and_is_not_complete():
    vendor = VendorFactory(tier="")
    status = due_diligence_status(vendor, D)

    assert status.gaps[0].startswith("Tier: not assessed yet")
    assert len(status.gaps) == 1 + 12 + 1  # the tier, twelve evidence kinds, the references


def test_valid_attestations_on_a_date(vendor):
    valid = AttestationFactory(vendor=vendor, issued_on=D - timedelta(days=10), expires_on=D)
    AttestationFactory(vendor=vendor, issued_on=D - timedelta(days=400), expires_on=D - timedelta(days=1))
    AttestationFactory(vendor=vendor, issued_on=D + timedelta(days=1), expires_on=D + timedelta(days=365))
    rejected = EvidenceFactory(vendor=vendor, review_outcome=Evidence.Outcome.REJECTED)
    AttestationFactory(vendor=vendor, evidence=rejected, issued_on=D - timedelta(days=10),
                       expires_on=D + timedelta(days=10))

    assert valid_attestations(vendor, D) == [valid]


@pytest.mark.parametrize(("expires_in", "state"), [(-1, "expired"), (0, "expiring"), (60, "expiring"),
                                                   (61, "valid")])
def test_attestation_state_is_derived(vendor, expires_in, state):
    att = AttestationFactory(vendor=vendor, issued_on=D - timedelta(days=100),
                             expires_on=D + timedelta(days=expires_in))

    assert att.status_on(D) == state
    assert att.status_on(D, warning_days=0) == ("expired" if expires_in < 0 else
                                                 "expiring" if expires_in == 0 else "valid")


def test_the_detail_page_shows_the_checklist_with_gaps(client, lead, low_vendor):
    evidence(low_vendor, EvidenceKind.DPA)
    client.force_login(lead)

    page = client.get(low_vendor.get_absolute_url() + "?as_of=2026-12-01").content.decode()

    assert page.count('class="check check-met"') == 1
    assert page.count('class="check check-gap"') == 1
    assert "1 of 2 met" in page


@pytest.mark.parametrize(("tier", "due"), [("critical", date(2026, 1, 15)), ("medium", date(2026, 6, 30)),
                                           ("low", date(2026, 6, 30))])
def test_attestation_refresh_cadence_depends_on_the_tier(vendor, tier, due):
    from vendors.selectors import attestation_refresh_due, dd_plans

    att = AttestationFactory(vendor=vendor, issued_on=date(2025, 1, 15), expires_on=date(2026, 6, 30))

    assert attestation_refresh_due(att, dd_plans()[tier]) == due  # 12 months for critical, 24+ capped at expiry


@pytest.mark.parametrize(("issued", "due"), [(date(2027, 1, 31), date(2028, 1, 31)),  # was 28 Jan: days cut to 28
                                             (date(2028, 2, 29), date(2029, 2, 28)),  # a leap day: end of February
                                             (date(2027, 3, 30), date(2028, 3, 30))])
def test_attestation_refresh_keeps_the_day_of_the_month(vendor, issued, due):
    from vendors.selectors import attestation_refresh_due, dd_plans

    att = AttestationFactory(vendor=vendor, issued_on=issued, expires_on=issued + timedelta(days=1500))

    assert attestation_refresh_due(att, dd_plans()["critical"]) == due  # 12 months on, clamped to the month's end


def test_htmx_as_of_request_gets_only_the_checklist(client, lead, low_vendor):
    evidence(low_vendor, EvidenceKind.DPA, valid_until=D)
    evidence(low_vendor, EvidenceKind.SECURITY_QUESTIONNAIRE)
    client.force_login(lead)

    on_d = client.get(low_vendor.get_absolute_url(), {"as_of": "2026-12-01"}, headers={"HX-Request": "true"})
    after = client.get(low_vendor.get_absolute_url(), {"as_of": "2026-12-02"}, headers={"HX-Request": "true"})

    assert on_d.status_code == 200 and b"<html" not in on_d.content
    assert b'id="dd-body"' in on_d.content and b"Complete" in on_d.content
    assert b"1 gap" in after.content and b"expired on 2026-12-01" in after.content


def test_status_costs_a_fixed_number_of_queries(vendor, django_assert_num_queries):
    from vendors.models import Vendor

    vendor.tier = "critical"
    vendor.save()
    for _ in range(5):
        linked = EvidenceFactory(vendor=vendor, kind=EvidenceKind.SECURITY_CERTIFICATION)
        AttestationFactory(vendor=vendor, evidence=linked)
    fresh = Vendor.objects.get(pk=vendor.pk)

    with django_assert_num_queries(4):  # plans, requirements, evidence, attestations with their evidence
        assert due_diligence_status(fresh, D).satisfied
