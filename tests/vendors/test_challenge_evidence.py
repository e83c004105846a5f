"""Issue 17, finding 9 (third part): a due-diligence item that needs independent evidence is not satisfied by the
vendor's own statements, and the checklist (and the memo's due-diligence summary, which reads it) says why."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from tests.factories.vendors import AttestationFactory, EvidenceFactory, VendorFactory
from vendors.models import Attestation, DueDiligenceRequirement, Evidence, EvidenceKind
from vendors.selectors import dd_checklist, due_diligence_status

D = date(2026, 12, 1)
TIER_WORDS = "self-reported; this tier needs independent evidence"
KIND_WORDS = "self-reported; this kind of evidence must come from someone other than the vendor"

# The clock stands still at 09:00 on D, so the module passes on any calendar date.
pytestmark = [pytest.mark.django_db,
              pytest.mark.time_machine(datetime(2026, 12, 1, 9, 0, tzinfo=ZoneInfo("Europe/London")), tick=False)]


def at(day: date):
    return timezone.make_aware(datetime(day.year, day.month, day.day, 9, 0))


def evidence(vendor, kind, source, **kwargs):
    defaults = {"effective_date": D - timedelta(days=60), "uploaded_at": at(D - timedelta(days=30)),
                "review_outcome": Evidence.Outcome.ACCEPTED, "source": source}
    return EvidenceFactory(vendor=vendor, kind=kind, **(defaults | kwargs))


def item(vendor, code):
    return next(i for i in dd_checklist(vendor, D).items if i.code == code)


def test_finding_9_seeded_plans_demand_independent_evidence_for_kinds_that_need_it():
    """Before, no plan row could say that the vendor's own word was not enough for an item."""
    by_nature = {EvidenceKind.INDEPENDENT_EVALUATION, EvidenceKind.PENTEST_SUMMARY,
                 EvidenceKind.SECURITY_CERTIFICATION, EvidenceKind.ISO_42001, EvidenceKind.LIVE_ASSESSMENT}
    rows = list(DueDiligenceRequirement.objects.select_related("plan"))
    flagged = {(r.plan.tier, r.evidence_kind) for r in rows if r.independent_evidence_required}
    expected = {(r.plan.tier, r.evidence_kind) for r in rows if r.evidence_kind in by_nature}
    assert expected and flagged == expected
    # the vendor's own questionnaire and its DPA are fine as the vendor's own documents
    assert ("critical", EvidenceKind.SECURITY_QUESTIONNAIRE) not in flagged
    assert ("low", EvidenceKind.DPA) not in flagged
    row = DueDiligenceRequirement.objects.get(plan__tier="high", evidence_kind=EvidenceKind.PENTEST_SUMMARY)
    assert row.history.filter(history_change_reason__startswith="Migration 0005").count() == 1


def test_finding_9_self_reported_pentest_summary_does_not_satisfy_the_high_tier():
    """Before, a pentest summary the vendor wrote about itself satisfied the item like a third-party report."""
    vendor = VendorFactory(tier="high")
    evidence(vendor, EvidenceKind.PENTEST_SUMMARY, Evidence.Source.SELF_REPORTED, title="Our own pentest")

    pentest = item(vendor, EvidenceKind.PENTEST_SUMMARY)
    assert not pentest.satisfied and pentest.independent_required
    assert pentest.detail == f"none valid on {D.isoformat()} ({TIER_WORDS})"
    assert f"Penetration-test summary: none valid on {D.isoformat()} ({TIER_WORDS})" in \
        due_diligence_status(vendor, D).gaps

    evidence(vendor, EvidenceKind.PENTEST_SUMMARY, Evidence.Source.THIRD_PARTY_ATTESTATION, title="Firm report")
    pentest = item(vendor, EvidenceKind.PENTEST_SUMMARY)
    assert pentest.satisfied and pentest.detail == "accepted (Firm report)"


def test_buyer_test_and_independent_sources_count_where_independence_is_required():
    """Before and after, our own test or an independent source satisfies the item (only self-reporting is out)."""
    vendor = VendorFactory(tier="high")
    evidence(vendor, EvidenceKind.INDEPENDENT_EVALUATION, Evidence.Source.BUYER_TEST, title="Our red team")
    evidence(vendor, EvidenceKind.PENTEST_SUMMARY, Evidence.Source.INDEPENDENT, title="Pentest by a firm")
    assert item(vendor, EvidenceKind.INDEPENDENT_EVALUATION).satisfied
    assert item(vendor, EvidenceKind.PENTEST_SUMMARY).satisfied


def test_a_certificate_attestation_still_satisfies_an_independent_item():
    """A certification body's attestation is third-party by nature, so it keeps satisfying the certificate item."""
    vendor = VendorFactory(tier="high")
    evidence(vendor, EvidenceKind.SECURITY_CERTIFICATION, Evidence.Source.SELF_REPORTED, title="Our statement")
    assert not item(vendor, EvidenceKind.SECURITY_CERTIFICATION).satisfied
    AttestationFactory(vendor=vendor, standard=Attestation.Standard.ISO_27001, issued_on=D - timedelta(days=100),
                       expires_on=D + timedelta(days=600))
    assert item(vendor, EvidenceKind.SECURITY_CERTIFICATION).satisfied


def test_finding_9_independent_evaluation_never_counts_self_reported_even_without_the_flag():
    """Before, an admin who cleared the flag (or a plan added later) let a vendor's own "independent" evaluation
    count."""
    vendor = VendorFactory(tier="high")
    row = DueDiligenceRequirement.objects.get(plan__tier="high", evidence_kind=EvidenceKind.INDEPENDENT_EVALUATION)
    row.independent_evidence_required = False
    row._change_reason = "test: an administrator cleared the flag"
    row.save()
    evidence(vendor, EvidenceKind.INDEPENDENT_EVALUATION, Evidence.Source.SELF_REPORTED, title="Self red team")

    evaluation = item(vendor, EvidenceKind.INDEPENDENT_EVALUATION)
    assert not evaluation.satisfied and evaluation.independent_required
    assert evaluation.detail == f"none valid on {D.isoformat()} ({KIND_WORDS})"


def test_finding_9_the_flag_is_configuration_an_admin_can_set_on_any_item():
    """The flag drives the checklist for any kind, not only the seeded ones; without it the vendor's own
    questionnaire counts."""
    vendor = VendorFactory(tier="low")
    evidence(vendor, EvidenceKind.SECURITY_QUESTIONNAIRE, Evidence.Source.SELF_REPORTED, title="Questionnaire")
    assert item(vendor, EvidenceKind.SECURITY_QUESTIONNAIRE).satisfied

    row = DueDiligenceRequirement.objects.get(plan__tier="low", evidence_kind=EvidenceKind.SECURITY_QUESTIONNAIRE)
    row.independent_evidence_required = True
    row._change_reason = "test: the low tier now wants an audited questionnaire"
    row.save()
    questionnaire = item(vendor, EvidenceKind.SECURITY_QUESTIONNAIRE)
    assert not questionnaire.satisfied and TIER_WORDS in questionnaire.detail


def test_a_pending_self_reported_file_is_reported_as_pending_not_as_self_reported():
    """The self-reporting reason is given only for evidence that would otherwise count (no misleading reason)."""
    vendor = VendorFactory(tier="high")
    evidence(vendor, EvidenceKind.PENTEST_SUMMARY, Evidence.Source.SELF_REPORTED,
             review_outcome=Evidence.Outcome.PENDING)
    assert item(vendor, EvidenceKind.PENTEST_SUMMARY).detail == f"none valid on {D.isoformat()} (awaiting review)"


def test_finding_9_the_memo_due_diligence_summary_uses_the_same_words():
    """The memo's due-diligence summary reads the checklist, so it must show the self-reported reason too."""
    from awards.selectors.memo_snapshot import _dd
    from tests.factories.awards import BidFactory

    bid = BidFactory(vendor__tier="high")
    evidence(bid.vendor, EvidenceKind.PENTEST_SUMMARY, Evidence.Source.SELF_REPORTED, title="Our own pentest")
    summary = _dd(bid, D)
    assert not summary["complete"]
    assert f"Penetration-test summary: none valid on {D.isoformat()} ({TIER_WORDS})" in summary["gaps"]
