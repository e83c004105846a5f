"""Issue 17, findings 11 and 16, and the waivers they rely on: an award that survives challenge.

Finding 11: nothing is signed before the standstill ends (unless a standstill waiver is recorded); every notice
names the winner and the standstill date; the awarded procedure page shows them, links the debriefs and the
contract, and offers no edit the services would refuse. Finding 16: award notices and scorecard-change messages go
through the notification outbox, one per person; the demo memo tells the truth about its own data."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from awards import services
from awards.memo_documents import debrief_context
from awards.models import Debrief, Waiver
from awards.models.scorecard import ConsensusNote, Criterion
from awards.policies import waiver_policy
from awards.selectors.waivers import waivers_for
from contracts import services as contract_services
from contracts.services.contracts import standstill_waived
from procurement.accounts.roles import Role
from procurement.exceptions import InvalidTransition
from procurement.notifications.models import Notification
from tests.factories.accounts import TEST_PASSWORD
from tests.factories.contracts import held_kickoff, open_contract
from tests.factories.memos import shortlisted_procedure, written_memo

pytestmark = pytest.mark.django_db

REASON = "The incumbent's licence lapses on Friday and the unsuccessful bidders confirmed in writing they waive."


@pytest.fixture
def awarded(lead, business_owner, panel, settings, django_capture_on_commit_callbacks):
    """A procedure awarded through the real approval: the memo approved by the procurement manager."""
    settings.BATON_STANDSTILL_DAYS = 10
    shortlist = shortlisted_procedure(lead=lead, business_owner=business_owner, value=Decimal("50000"))
    memo = services.memo_submit(actor=lead, memo=written_memo(shortlist))
    with django_capture_on_commit_callbacks(execute=True):
        services.signoff_record(actor=panel["pm1"], memo=memo, decision="approve", password=TEST_PASSWORD)
    memo.refresh_from_db()
    shortlist.procedure.refresh_from_db()
    return shortlist, memo


def _signable(memo, lead, manager):
    contract = open_contract(lead=lead, manager=manager, memo=memo)
    held_kickoff(contract, lead=lead, manager=manager)
    contract.refresh_from_db()
    return contract


# --- finding 11: the standstill -----------------------------------------------------------------------------------

def test_finding_11_the_contract_cannot_be_signed_before_the_standstill_ends(awarded, lead, manager):
    shortlist, memo = awarded
    assert memo.standstill_ends_on == timezone.localdate() + timedelta(days=10)
    contract = _signable(memo, lead, manager)

    with pytest.raises(InvalidTransition) as refused:
        contract_services.contract_transition(actor=lead, contract=contract, status="signed", reason="Signed")

    ends = memo.standstill_ends_on
    assert f"{ends.day} {ends:%B %Y}" in str(refused.value) and "waiver" in str(refused.value)
    contract.refresh_from_db()
    assert contract.status == "negotiating"
    assert contract.history.filter(status="signed").count() == 0


def test_finding_11_a_recorded_standstill_waiver_lets_it_sign_and_shows_in_the_history(awarded, lead, manager,
                                                                                       panel):
    shortlist, memo = awarded
    contract = _signable(memo, lead, manager)
    waiver = services.waiver_record(actor=panel["pm2"], procedure=shortlist.procedure, kind=Waiver.Kind.STANDSTILL,
                                    subject=contract.reference, reason=REASON)

    contract = contract_services.contract_transition(actor=lead, contract=contract, status="signed",
                                                     reason="Signed by both parties")

    assert contract.status == "signed"
    reason = contract.history.first().history_change_reason
    assert reason.startswith(f"Signed: standstill to {memo.standstill_ends_on:%d %b %Y} waived by ")
    assert f"(waiver {waiver.pk})" in reason and "Signed by both parties" in reason
    assert REASON in waiver.history.first().history_change_reason or waiver.reason == REASON
    assert list(waivers_for(shortlist.procedure, Waiver.Kind.STANDSTILL)) == [waiver]


def test_finding_11_after_the_standstill_the_contract_signs_without_a_waiver(awarded, lead, manager):
    shortlist, memo = awarded
    contract = _signable(memo, lead, manager)
    later = memo.standstill_ends_on + timedelta(days=1)

    assert standstill_waived(contract, today=later) == ""
    with pytest.raises(InvalidTransition):
        standstill_waived(contract, today=memo.standstill_ends_on)


def test_finding_11_the_debrief_letter_names_the_winner_and_the_standstill_end(awarded):
    shortlist, memo = awarded
    debrief = Debrief.objects.filter(memo=memo).order_by("pk").first()

    context = debrief_context(debrief)

    assert context["winner"] == str(shortlist.bids[0].vendor)
    assert context["standstill_ends_on"] == memo.standstill_ends_on
    from django.template.loader import render_to_string

    html = render_to_string("awards/memo/debrief_pdf.html", {**context, "document": {"kind": "Debrief letter"}})
    assert str(shortlist.bids[0].vendor) in html and f"{memo.standstill_ends_on:%B %Y}" in html
    # the letter names the winner and no other bidder
    others = [str(b.vendor) for b in shortlist.bids[1:] if b.pk != debrief.bid_id]
    assert all(name not in html for name in others)


def test_finding_11_the_awarded_procedure_page_shows_the_standstill_links_and_no_refused_edits(awarded, client,
                                                                                             lead, manager):
    shortlist, memo = awarded
    contract = open_contract(lead=lead, manager=manager, memo=memo)
    client.force_login(lead)

    page = client.get(shortlist.procedure.get_absolute_url()).content.decode()

    ends = memo.standstill_ends_on
    assert "Standstill period ends" in page and f"{ends.day} {ends:%B %Y}" in page
    for debrief in Debrief.objects.filter(memo=memo):
        assert debrief.get_absolute_url() in page
    assert reverse("contracts:detail", args=[contract.reference]) in page
    ref = shortlist.procedure.reference
    for refused in (reverse("awards:procedure_edit", args=[ref]), reverse("awards:procedure_timeline", args=[ref]),
                    reverse("awards:requirement_add", args=[ref]), reverse("awards:question_add", args=[ref])):
        assert refused not in page


# --- finding 16: notices through the outbox, and a truthful demo ---------------------------------------------------

def test_finding_16_award_notices_go_through_the_outbox_one_message_per_person(awarded):
    shortlist, memo = awarded
    notices = list(Notification.objects.filter(kind="award_notice"))
    people = {shortlist.lead.pk, shortlist.business_owner.pk, *(e.pk for e in shortlist.evaluators)}

    assert people <= {n.recipient_id for n in notices}
    assert len(notices) == len({n.recipient_id for n in notices})  # once each
    winner, ends = str(shortlist.bids[0].vendor), memo.standstill_ends_on
    for notice in notices:
        assert winner in notice.subject and f"{ends.day} {ends:%B %Y}" in notice.body
    award_mail = [m for m in mail.outbox if "awarded" in m.subject]
    assert award_mail and all(len(m.to) == 1 for m in award_mail)
    assert len(award_mail) == len(notices)


def test_finding_16_a_second_run_of_the_award_notices_tells_nobody_twice(awarded):
    from awards import notices

    shortlist, memo = awarded
    before = Notification.objects.filter(kind="award_notice").count()
    notices.award_decided(memo=memo)
    assert Notification.objects.filter(kind="award_notice").count() == before


def test_finding_16_a_failed_scorecard_change_email_is_kept_for_a_retry(lead, business_owner, monkeypatch,
                                                                       django_capture_on_commit_callbacks):
    shortlist = shortlisted_procedure(lead=lead, business_owner=business_owner)
    procedure = shortlist.procedure
    procedure.stage = "evaluation"  # back to where the scorecard may change (rows: the stage rules are elsewhere)
    procedure._change_reason = "test: back in evaluation"
    procedure.save()
    criterion = Criterion.objects.filter(scorecard__procedure=procedure).order_by("pk").first()

    def refuse(*args, **kwargs):
        raise OSError("SMTP refused")

    monkeypatch.setattr("django.core.mail.message.EmailMessage.send", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        services.criterion_update(actor=lead, criterion=criterion, name=criterion.name,
                                  description="Now measured on our own tickets", guidance=criterion.guidance,
                                  reason="Clarified what is measured")

    told = Notification.objects.filter(kind="scorecard_changed").order_by("recipient_id")
    assert {n.recipient_id for n in told} == {e.pk for e in shortlist.evaluators}
    assert all(n.email_status == Notification.Email.QUEUED and "SMTP refused" in n.email_error for n in told)


def test_finding_16_the_demo_memo_tells_the_truth_about_its_data():
    from awards.demo import journey
    from awards.models import AwardProcedure, DecisionMemo
    from tests.awards.test_journey_demo import _seed

    _seed(io.StringIO())
    procedure = AwardProcedure.objects.get(title=journey.TITLE)
    version = DecisionMemo.objects.get(procedure=procedure).approved_version
    content, snapshot = version.content, version.scoring_snapshot

    has_notes = ConsensusNote.objects.filter(bid__procedure=procedure).exists()
    mentions_note = "consensus note" in content["recommendation"] and "need a consensus note" not in \
        content["recommendation"]
    assert mentions_note == has_notes
    totals = {row["bid"]: row["total"] for row in snapshot["ranking"]}
    excluded = {row["bid"] for row in snapshot["excluded"]}
    winner_total = totals[snapshot["recommended"]]
    for alternative in content["alternatives"]:
        if alternative["bid"] in excluded:
            assert "knockout" in alternative["reason"] and "lower" not in alternative["reason"]
        else:
            assert totals[alternative["bid"]] <= winner_total and f"{totals[alternative['bid']]:.2f}" in \
                alternative["reason"]


# --- waivers: who may record one, and a refusal writes nothing ----------------------------------------------------

def _refused_without_a_trace(procedure, call, error):
    before = (Waiver.objects.count(), Waiver.history.count())
    with pytest.raises(error) as refused:
        call()
    assert (Waiver.objects.count(), Waiver.history.count()) == before
    return str(refused.value)


def test_waiver_the_beneficiary_cannot_waive(awarded, lead, settings):
    shortlist, _ = awarded
    settings.BATON_WAIVER_ROLES = {"standstill": ["Procurement lead"]}  # even at the named level
    message = _refused_without_a_trace(shortlist.procedure, lambda: services.waiver_record(
        actor=lead, procedure=shortlist.procedure, kind="standstill", reason=REASON), PermissionDenied)
    assert "benefit" in message


def test_waiver_the_wrong_role_cannot_waive(awarded, make_user):
    shortlist, _ = awarded
    other_lead = make_user(Role.PROCUREMENT_LEAD)
    message = _refused_without_a_trace(shortlist.procedure, lambda: services.waiver_record(
        actor=other_lead, procedure=shortlist.procedure, kind="standstill", reason=REASON), PermissionDenied)
    assert "committee approver" in message
    approver = make_user(Role.COMMITTEE_APPROVER)
    _refused_without_a_trace(shortlist.procedure, lambda: services.waiver_record(
        actor=approver, procedure=shortlist.procedure, kind="late_bid", reason=REASON), PermissionDenied)
    # a procurement lead other than the procedure's own records a late-bid waiver
    waiver = services.waiver_record(actor=other_lead, procedure=shortlist.procedure, kind="late_bid", reason=REASON)
    assert waiver.beneficiary == shortlist.lead and waiver.history.first().history_user == other_lead


def test_waiver_a_blank_or_trivial_reason_is_refused(awarded, panel):
    shortlist, _ = awarded
    for reason in ("", "   ", "ok", "..........................."):
        _refused_without_a_trace(shortlist.procedure, lambda reason=reason: services.waiver_record(
            actor=panel["pm2"], procedure=shortlist.procedure, kind="standstill", reason=reason), ValidationError)


def test_waiver_the_setting_names_the_level(awarded, make_user, settings):
    shortlist, _ = awarded
    settings.BATON_WAIVER_ROLES = {"standstill": ["Business owner"]}
    owner = make_user(Role.BUSINESS_OWNER)
    waiver = services.waiver_record(actor=owner, procedure=shortlist.procedure, kind="standstill", reason=REASON)
    assert waiver.recorded_by == owner
    # the rule's query face agrees with its row face: the owner could record this one (not its beneficiary)
    assert waiver_policy.actionable(owner, "waive").filter(pk=waiver.pk).exists()
