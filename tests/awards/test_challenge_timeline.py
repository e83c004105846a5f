"""Issue 17, findings 3 and 17: a timeline bidders can rely on, and a late bid admitted only with a waiver.

Finding 3: once the RFP is issued its issue date is fixed; any other change needs a reason and a timeline-change
waiver recorded for it by another procurement lead, moving a deadline earlier is refused without one, every bidder
is told through the outbox and the procedure page says the timeline changed. Finding 17: the RFP goes out only
with a response period and a Q&A window at least as long as the strictest bidder tier asks (or a short-response
waiver); a late bid is admitted only under a late-bid waiver."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from awards import services
from awards.models import Bid, Requirement, Waiver
from awards.models.procedure import Stage
from awards.selectors.timeline import TIMELINE_CHANGE_MARK
from procurement.accounts.roles import Role
from procurement.exceptions import DomainError, InvalidTransition
from procurement.notifications.models import Notification
from tests.factories.scorecards import complete_scorecard
from tests.factories.timeline import age_timeline
from vendors import services as vendor_services
from vendors.models import Tier

pytestmark = pytest.mark.django_db

WHY = "Two bidders asked for a week more for the security questionnaire."


def _days(**offsets):
    today = timezone.localdate()
    return {name: today + timedelta(days=days) for name, days in offsets.items()}


def _timeline(issue=0, questions=10, due=20, demo=25, demo_end=30, award=45):
    return _days(rfp_issue_date=issue, question_deadline=questions, proposals_due=due, demo_start=demo,
                 demo_end=demo_end, target_award_date=award)


def _ready_for_rfp(procedure, lead, business_owner, make_vendor, tiers, timeline):
    """Everything the RFP needs except a long enough timeline: agreed requirements, bidders, a scorecard."""
    services.procedure_set_timeline(actor=lead, procedure=procedure, **timeline)
    services.procedure_advance(actor=lead, procedure=procedure, target=Stage.REQUIREMENTS, reason="Need agreed")
    requirement = services.requirement_add(actor=lead, procedure=procedure, title="Cites its sources",
                                           priority=Requirement.Priority.MUST)
    services.requirement_agree(actor=business_owner, requirement=requirement)
    for tier in tiers:
        services.bid_invite(actor=lead, procedure=procedure, vendor=make_vendor(tier))
    procedure.refresh_from_db()
    complete_scorecard(procedure)
    return procedure


def _issue(procedure, lead):
    return services.procedure_advance(actor=lead, procedure=procedure, target=Stage.RFP_ISSUED, reason="RFP sent")


@pytest.fixture
def other_lead(make_user):
    return make_user(Role.PROCUREMENT_LEAD, first_name="Olga", last_name="Other")


def _waive(procedure, by, kind="timeline_change", subject="", reason=WHY + " Confirmed with the business owner."):
    return services.waiver_record(actor=by, procedure=procedure, kind=kind, subject=subject, reason=reason)


def _state(procedure):
    procedure.refresh_from_db()
    return ({field: getattr(procedure, field) for field in ("rfp_issue_date", "question_deadline", "proposals_due",
                                                             "demo_start", "demo_end", "target_award_date")},
            procedure.history.count(), Notification.objects.count())


# --- finding 3: the timeline after issue -------------------------------------------------------------------------

def test_finding_3_the_issue_date_no_longer_changes_once_the_rfp_is_out(rfp_issued, lead, other_lead):
    """Before: the issue date of an issued RFP could be moved into the past with no reason and no waiver."""
    _waive(rfp_issued, other_lead)
    before = _state(rfp_issued)

    with pytest.raises(ValidationError) as refused:
        services.procedure_set_timeline(actor=lead, procedure=rfp_issued, reason=WHY,
                                        rfp_issue_date=timezone.localdate() - timedelta(days=30))

    assert "rfp_issue_date" in refused.value.error_dict
    assert "no longer changes" in refused.value.message_dict["rfp_issue_date"][0]
    assert _state(rfp_issued) == before  # nothing written, nobody told


def test_finding_3_a_change_after_issue_needs_a_reason(rfp_issued, lead, other_lead):
    """Before: the timeline of an issued RFP changed with no reason asked."""
    _waive(rfp_issued, other_lead)
    before = _state(rfp_issued)

    with pytest.raises(ValidationError) as refused:
        services.procedure_set_timeline(actor=lead, procedure=rfp_issued, reason="   ",
                                        **_days(demo_start=26, demo_end=31))

    assert list(refused.value.error_dict) == ["reason"]
    assert _state(rfp_issued) == before


def test_finding_3_a_change_after_issue_needs_a_waiver_from_another_lead(rfp_issued, lead, other_lead):
    """Before: the lead alone could rewrite the dates bidders were planning on."""
    before = _state(rfp_issued)

    with pytest.raises(DomainError, match="waiver for a timeline change after issue"):
        services.procedure_set_timeline(actor=lead, procedure=rfp_issued, reason=WHY, **_days(proposals_due=27,
                                                                                             demo_start=28))
    with pytest.raises(PermissionDenied, match="benefit"):  # the lead cannot waive the rule for themself
        _waive(rfp_issued, lead)
    assert _state(rfp_issued) == before and not Waiver.objects.exists()

    waiver = _waive(rfp_issued, other_lead)
    procedure = services.procedure_set_timeline(actor=lead, procedure=rfp_issued, reason=WHY,
                                                **_days(proposals_due=27, demo_start=28))

    assert procedure.proposals_due == timezone.localdate() + timedelta(days=27)
    assert procedure.rfp_issue_date == timezone.localdate()
    row = procedure.history.latest()
    assert row.history_change_reason == TIMELINE_CHANGE_MARK + WHY and row.history_user == lead
    assert waiver.recorded_by == other_lead and waiver.beneficiary == lead


def test_finding_3_one_waiver_covers_one_change(rfp_issued, lead, other_lead):
    """Before: nothing stopped a second, unexamined change riding on the first decision."""
    _waive(rfp_issued, other_lead)
    services.procedure_set_timeline(actor=lead, procedure=rfp_issued, reason=WHY, **_days(target_award_date=50))
    before = _state(rfp_issued)

    with pytest.raises(DomainError, match="since the last change"):
        services.procedure_set_timeline(actor=lead, procedure=rfp_issued, reason="And once more, quietly",
                                        **_days(target_award_date=60))

    assert _state(rfp_issued) == before


def test_finding_3_bringing_proposals_due_forward_is_refused_without_a_waiver(rfp_issued, lead):
    """Before: proposals-due could be moved earlier than bidders were told, silently."""
    before = _state(rfp_issued)

    with pytest.raises(DomainError) as refused:
        services.procedure_set_timeline(actor=lead, procedure=rfp_issued, reason="We want the answers sooner",
                                        **_days(proposals_due=15))

    told = rfp_issued.proposals_due
    assert "moving proposals due" in str(refused.value) and f"{told.day} " in str(refused.value)
    assert _state(rfp_issued) == before


def test_finding_3_a_forward_move_below_the_tier_minimum_also_needs_a_short_response_waiver(rfp_issued, lead,
                                                                                            other_lead):
    """Before: a deadline brought forward could leave bidders days instead of weeks."""
    _waive(rfp_issued, other_lead)
    before = _state(rfp_issued)

    with pytest.raises(ValidationError) as refused:
        services.procedure_set_timeline(actor=lead, procedure=rfp_issued, reason="We want the answers sooner",
                                        **_days(proposals_due=15))

    assert "at least 20 days" in refused.value.message_dict["proposals_due"][0]
    assert "high-tier" in refused.value.message_dict["proposals_due"][0]
    assert _state(rfp_issued) == before

    _waive(rfp_issued, other_lead, kind="short_response")
    procedure = services.procedure_set_timeline(actor=lead, procedure=rfp_issued,
                                                reason="We want the answers sooner", **_days(proposals_due=15))
    assert procedure.proposals_due == timezone.localdate() + timedelta(days=15)


def test_finding_3_every_bidder_contact_is_told_through_the_outbox(rfp_issued, lead, other_lead):
    """Before: no sign anywhere that bidders had to be told of the new dates."""
    high, medium, low = rfp_issued.bids.select_related("vendor").order_by("pk")
    for name in ("Ana Ames", "Ben Bright"):
        vendor_services.contact_add(actor=high.vendor.owner, vendor=high.vendor, name=name,
                                    email=f"{name.split()[0].lower()}@high.example")
    vendor_services.contact_add(actor=medium.vendor.owner, vendor=medium.vendor, name="Cy Medium")
    services.bid_decline(actor=lead, bid=low, reason="No capacity this quarter")
    _waive(rfp_issued, other_lead)

    services.procedure_set_timeline(actor=lead, procedure=rfp_issued, reason=WHY, **_days(proposals_due=27,
                                                                                         demo_start=28))

    told = list(Notification.objects.filter(kind="timeline_changed").order_by("pk"))
    assert len(told) == 3  # one per contact of the bidders in the running; the declined bidder is not told
    assert {n.recipient for n in told} == {lead}
    subjects = " | ".join(n.subject for n in told)
    assert "Ana Ames" in subjects and "Ben Bright" in subjects and "Cy Medium" in subjects
    assert str(low.vendor) not in subjects
    ana = next(n for n in told if "Ana Ames" in n.subject)
    old, new = rfp_issued.proposals_due, timezone.localdate() + timedelta(days=27)
    assert "ana@high.example" in ana.body and WHY in ana.body
    assert f"Proposals due: was {old.day} {old:%b %Y}, now {new.day} {new:%b %Y}" in ana.body
    assert "Olga Other" in ana.body  # the waiver that allowed it
    assert "no e-mail address" in next(n for n in told if "Cy Medium" in n.subject).body


def test_finding_3_the_procedure_page_says_the_timeline_changed_after_issue(client, rfp_issued, lead, other_lead,
                                                                           make_user):
    """Before: the page showed the new dates as if they had always been the plan."""
    _waive(rfp_issued, other_lead)
    services.procedure_set_timeline(actor=lead, procedure=rfp_issued, reason=WHY, **_days(proposals_due=27,
                                                                                         demo_start=28))
    old, new = rfp_issued.proposals_due, timezone.localdate() + timedelta(days=27)

    client.force_login(make_user(Role.AUDITOR))
    html = client.get(rfp_issued.get_absolute_url()).content.decode()

    assert "Timeline changed after issue" in html
    assert f"Proposals due: {old.day} {old:%b %Y} → {new.day} {new:%b %Y}" in html
    assert f"Reason: {WHY}" in html


def test_finding_3_the_timeline_form_after_issue_keeps_the_refusal_beside_the_input(client, rfp_issued, lead):
    """Before: the form saved any dates after issue; now it asks a reason, fixes the issue date and says why not."""
    client.force_login(lead)
    url = reverse("awards:procedure_timeline", args=[rfp_issued.reference])
    dates = {name: value.isoformat() for name, value in _timeline(due=27, demo=28).items()}
    before = _state(rfp_issued)

    no_reason = client.post(url, dates)
    assert no_reason.status_code == 400 and 'id="id_reason_error"' in no_reason.content.decode()

    refused = client.post(url, {**dates, "reason": WHY,
                                "rfp_issue_date": (timezone.localdate() - timedelta(days=9)).isoformat()})
    html = refused.content.decode()
    assert refused.status_code == 409 and "waiver for a timeline change after issue" in html
    assert f'value="{WHY}"' in html  # the input is kept
    assert _state(rfp_issued) == before


# --- finding 17: a realistic window, and the late bid -------------------------------------------------------------

def test_finding_17_an_rfp_with_a_one_day_response_window_is_refused(procedure, lead, business_owner, make_vendor):
    """Before: an RFP could be issued with proposals due the day after."""
    _ready_for_rfp(procedure, lead, business_owner, make_vendor, [Tier.HIGH, Tier.LOW],
                   _timeline(questions=1, due=2, demo=3, demo_end=4, award=10))

    with pytest.raises(InvalidTransition) as refused:
        _issue(procedure, lead)

    sentence = str(refused.value)
    assert "response period runs 2 days" in sentence and "at least 20 days" in sentence
    assert "high-tier" in sentence and "Q&A window runs 1 day " in sentence and "at least 10 days" in sentence
    procedure.refresh_from_db()
    assert procedure.stage == Stage.REQUIREMENTS


def test_finding_17_an_untiered_bidder_counts_as_critical(procedure, lead, business_owner, make_vendor):
    """Before: nothing weighed who the bidders were; an untiered vendor now gets the most time."""
    _ready_for_rfp(procedure, lead, business_owner, make_vendor, [Tier.LOW, ""], _timeline(due=20))

    with pytest.raises(InvalidTransition, match="critical-tier bidder it must be at least 25 days"):
        _issue(procedure, lead)

    services.procedure_set_timeline(actor=lead, procedure=procedure, **_timeline(due=25, demo=26))
    assert _issue(procedure, lead).stage == Stage.RFP_ISSUED


def test_finding_17_the_minimums_come_from_the_settings(procedure, lead, business_owner, make_vendor, settings):
    """Before: there was no minimum to configure."""
    settings.BATON_MIN_RESPONSE_DAYS = {"low": 30}
    _ready_for_rfp(procedure, lead, business_owner, make_vendor, [Tier.LOW, Tier.LOW], _timeline(due=20))

    with pytest.raises(InvalidTransition, match="low-tier bidder it must be at least 30 days"):
        _issue(procedure, lead)


def test_finding_17_a_back_dated_issue_date_gives_bidders_no_more_time(procedure, lead, business_owner,
                                                                       make_vendor):
    """Before: an issue date in the past made a five-day window look like five weeks."""
    _ready_for_rfp(procedure, lead, business_owner, make_vendor, [Tier.LOW, Tier.LOW],
                   _timeline(issue=-30, questions=3, due=5, demo=6, demo_end=7, award=20))

    with pytest.raises(InvalidTransition, match="runs 5 days"):
        _issue(procedure, lead)


def test_finding_17_a_short_response_waiver_lets_the_rfp_go(procedure, lead, business_owner, make_vendor,
                                                            other_lead, client):
    """Before: a short window needed nobody's decision; now it needs a recorded waiver, and the page says so."""
    _ready_for_rfp(procedure, lead, business_owner, make_vendor, [Tier.MEDIUM, Tier.MEDIUM],
                   _timeline(questions=5, due=9, demo=10, demo_end=12, award=20))
    client.force_login(lead)
    page = client.get(procedure.get_absolute_url()).content.decode()
    assert "with a medium-tier bidder it must be at least 15 days" in page
    assert "Move to RFP issued" not in page
    with pytest.raises(PermissionDenied):
        _waive(procedure, lead, kind="short_response")

    _waive(procedure, other_lead, kind="short_response")

    assert _issue(procedure, lead).stage == Stage.RFP_ISSUED


def test_finding_17_a_late_bid_is_admitted_only_under_a_waiver(rfp_issued, lead, other_lead, submit_bid):
    """Before: the lead alone could admit a proposal that arrived after the due date."""
    age_timeline(rfp_issued, actor=lead, **_timeline(issue=-30, questions=-20, due=-1, demo=5, demo_end=9))
    late = submit_bid(rfp_issued.bids.select_related("vendor").order_by("pk").first())
    assert late.late_decision == Bid.LateDecision.PENDING
    rows = late.history.count()

    with pytest.raises(DomainError, match="late-bid waiver"):
        services.bid_decide_late(actor=lead, bid=late, admit=True, reason="The courier was delayed")
    with pytest.raises(PermissionDenied):
        _waive(rfp_issued, lead, kind="late_bid", subject=late.vendor.legal_name)
    _waive(rfp_issued, other_lead, kind="late_bid", subject="Someone Else Ltd")
    with pytest.raises(DomainError, match="late-bid waiver"):  # a waiver for another vendor does not count
        services.bid_decide_late(actor=lead, bid=late, admit=True, reason="The courier was delayed")
    late.refresh_from_db()
    assert late.late_decision == Bid.LateDecision.PENDING and late.history.count() == rows

    waiver = _waive(rfp_issued, other_lead, kind="late_bid", subject=f"  {late.vendor.trading_name.upper()} ")
    late = services.bid_decide_late(actor=lead, bid=late, admit=True, reason="The courier was delayed")

    assert late.is_admitted and late.late_decided_by == lead
    assert late.history.first().history_change_reason == (f"Late bid admitted under waiver {waiver.pk}: "
                                                          "The courier was delayed")


def test_finding_17_rejecting_a_late_bid_needs_no_waiver(rfp_issued, lead, submit_bid):
    """Rejecting keeps the rule, so it stays the lead's call."""
    age_timeline(rfp_issued, actor=lead, **_timeline(issue=-30, questions=-20, due=-1, demo=5, demo_end=9))
    late = submit_bid(rfp_issued.bids.order_by("pk").first())

    late = services.bid_decide_late(actor=lead, bid=late, admit=False, reason="Arrived after the deadline")

    assert late.status == Bid.Status.KNOCKED_OUT and not Waiver.objects.exists()
