"""Debriefs delivered in the portal (issue 20): the lead sends the written debrief (a "debrief" notice, once per
version of its content); the bidder reads only their own debrief, as it was sent: their totals and group points
against the winning bid's, the exclusion reason when knocked out, the lead's comments as sanitised Markdown, and
confirms receipt. Never another bidder's detail; the winner has no debrief; nothing before it is sent."""

from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse

from awards import services
from awards.models import Bid, BidderNotice, Debrief
from awards.services.debrief import debrief_send
from procurement.accounts.roles import Role
from procurement.exceptions import DomainError
from tests.factories.accounts import TEST_PASSWORD
from tests.factories.awards import BidFactory
from tests.factories.memos import memo_for_award, shortlisted_procedure, written_memo
from tests.factories.portal import bidder_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def awarded(lead, business_owner, panel, django_capture_on_commit_callbacks):
    """Alpha wins; Beta and Gamma are unsuccessful, each with a debrief opened from the frozen snapshot, and a
    bidder contact each."""
    shortlist = shortlisted_procedure(lead=lead, business_owner=business_owner, value=Decimal("50000"))
    memo = services.memo_submit(actor=lead, memo=written_memo(shortlist))
    with django_capture_on_commit_callbacks(execute=True):
        services.signoff_record(actor=panel["pm1"], memo=memo, decision="approve", password=TEST_PASSWORD)
    memo.refresh_from_db()
    alpha, beta, gamma = shortlist.bids
    people = {"alpha": bidder_for(alpha, username="alpha"), "beta": bidder_for(beta, username="beta"),
              "gamma": bidder_for(gamma, username="gamma")}
    return shortlist, memo, people


def write(lead, debrief, **changes):
    fields = {"held_on": None, "attendees": "", "strengths": "A **clear** rollout plan.",
              "weaknesses": "Accuracy fell short on our tickets.<script>alert(1)</script>",
              "advice": "Show evaluation results on data like ours."} | changes
    return services.debrief_update(actor=lead, debrief=debrief, **fields)


def page(client, user, procedure):
    client.force_login(user)
    return client.get(reverse("portal:debrief", args=[procedure.reference]))


def test_before_it_is_sent_the_bidder_reads_a_sentence_not_the_content(client, awarded, lead):
    shortlist, memo, people = awarded
    write(lead, Debrief.objects.get(bid=shortlist.bids[1]))

    answer = page(client, people["beta"], shortlist.procedure)

    html = answer.content.decode()
    assert answer.status_code == 200 and 'data-testid="debrief-unsent"' in html
    assert "rollout plan" not in html and "debrief-groups" not in html


def test_sending_publishes_a_debrief_notice_and_the_bidder_sees_only_their_own_figures(
        client, awarded, lead, django_capture_on_commit_callbacks, django_assert_max_num_queries):
    shortlist, memo, people = awarded
    alpha, beta, gamma = shortlist.bids
    debrief = write(lead, Debrief.objects.get(bid=beta))
    gamma_debrief = write(lead, Debrief.objects.get(bid=gamma), strengths="Gamma-only remark about pricing.")
    debrief_send(actor=lead, debrief=gamma_debrief)

    with django_capture_on_commit_callbacks(execute=True):
        notice = debrief_send(actor=lead, debrief=debrief)

    assert notice.sent_now and notice.kind == BidderNotice.Kind.DEBRIEF and notice.debrief == debrief
    assert notice.bid == beta and notice.published_by == lead
    assert notice.history.first().history_user == lead
    assert debrief.history.first().history_change_reason == "Debrief sent to the bidder"
    assert [m.to for m in mail.outbox if "debrief" in m.subject.lower()] == [[people["beta"].email]]

    client.force_login(people["beta"])
    with django_assert_max_num_queries(14):
        answer = client.get(reverse("portal:debrief", args=[shortlist.procedure.reference]))

    html = answer.content.decode()
    debrief.refresh_from_db()
    assert answer.status_code == 200 and debrief.groups
    assert f"{debrief.own_total:.2f}" in html and f"{debrief.winning_total:.2f}" in html
    for group in debrief.groups:
        assert group["group"] in html and f"{group['points']:.2f}" in html and f"{group['winner_points']:.2f}" in html
    assert "<strong>clear</strong>" in html and "<script>alert(1)</script>" not in html
    assert str(alpha.vendor) in html  # the winner is public
    gamma_total = Debrief.objects.get(bid=gamma).own_total
    assert str(gamma.vendor) not in html and gamma.vendor.trading_name not in html
    assert f"{gamma_total:.2f}" not in html and "Gamma-only" not in html


def test_an_unchanged_debrief_is_sent_once_and_an_edit_is_a_new_version(client, awarded, lead):
    shortlist, memo, people = awarded
    debrief = write(lead, Debrief.objects.get(bid=shortlist.bids[1]))
    first = debrief_send(actor=lead, debrief=debrief)

    again = debrief_send(actor=lead, debrief=debrief)
    write(lead, debrief, advice="Bring a pilot on our own tickets next time.")
    unsent_edit = page(client, people["beta"], shortlist.procedure).content.decode()
    second = debrief_send(actor=lead, debrief=debrief)
    after = page(client, people["beta"], shortlist.procedure).content.decode()

    assert not again.sent_now and again.pk == first.pk
    assert "on data like ours" in unsent_edit and "pilot" not in unsent_edit  # the bidder sees what was sent
    assert second.sent_now and second.pk != first.pk and second.subject.startswith("Your debrief, updated")
    assert "pilot" in after and "on data like ours" not in after
    assert BidderNotice.objects.filter(debrief=debrief).count() == 2


def test_the_bidder_confirms_receipt(client, awarded, lead):
    shortlist, memo, people = awarded
    notice = debrief_send(actor=lead, debrief=write(lead, Debrief.objects.get(bid=shortlist.bids[1])))
    client.force_login(people["beta"])

    answer = client.post(reverse("portal:debrief_acknowledge", args=[shortlist.procedure.reference]))

    assert answer.status_code == 302
    notice.refresh_from_db()
    assert notice.acknowledged_by == people["beta"] and notice.acknowledged_at is not None
    row = notice.history.first()
    assert row.history_user == people["beta"] and row.history_change_reason == "Receipt acknowledged by the bidder"
    assert 'data-testid="acknowledged"' in page(client, people["beta"], shortlist.procedure).content.decode()


def test_the_winner_has_no_debrief_and_others_see_nothing_of_this_procedure(client, awarded, lead, make_user):
    shortlist, memo, people = awarded
    debrief_send(actor=lead, debrief=write(lead, Debrief.objects.get(bid=shortlist.bids[1])))

    winner_page = page(client, people["alpha"], shortlist.procedure)
    assert winner_page.status_code == 200 and 'data-testid="debrief-winner"' in winner_page.content.decode()
    assert "rollout plan" not in winner_page.content.decode()
    assert client.post(reverse("portal:debrief_acknowledge", args=[shortlist.procedure.reference])).status_code == 404

    outsider = bidder_for(BidFactory(), username="outsider")  # a bidder elsewhere
    assert page(client, outsider, shortlist.procedure).status_code == 404
    assert page(client, lead, shortlist.procedure).status_code == 404  # staff use the internal pages
    people["beta"].is_active = False
    people["beta"]._change_reason = "test: left the company"
    people["beta"].save()
    assert page(client, people["beta"], shortlist.procedure).status_code in (302, 404)


def test_only_the_procedures_lead_sends_a_written_debrief(awarded, lead, make_user):
    shortlist, memo, people = awarded
    debrief = Debrief.objects.get(bid=shortlist.bids[1])
    with pytest.raises(DomainError):
        debrief_send(actor=lead, debrief=debrief)  # nothing written yet
    write(lead, debrief)
    with pytest.raises(PermissionDenied):
        debrief_send(actor=make_user(Role.PROCUREMENT_LEAD), debrief=debrief)  # another lead sees it, may not edit
    with pytest.raises(Http404):
        debrief_send(actor=make_user(Role.EVALUATOR), debrief=debrief)
    with pytest.raises(Http404):
        debrief_send(actor=people["beta"], debrief=debrief)
    assert not BidderNotice.objects.filter(kind=BidderNotice.Kind.DEBRIEF).exists()


def test_the_lead_sends_from_the_debrief_page(client, awarded, lead):
    shortlist, memo, people = awarded
    debrief = write(lead, Debrief.objects.get(bid=shortlist.bids[2]))
    url = reverse("awards:debrief_edit", args=[shortlist.procedure.reference, debrief.pk])
    client.force_login(lead)
    assert "Send the debrief" in client.get(url).content.decode()

    answer = client.post(url, {"send": "1"})

    assert answer.status_code == 302
    assert BidderNotice.objects.filter(debrief=debrief, bid=shortlist.bids[2]).count() == 1
    assert "The bidder has the current version." in client.get(url).content.decode()


def test_a_knocked_out_bidder_reads_the_exclusion_reason(client):
    memo = memo_for_award()
    bid = BidFactory(procedure=memo.procedure)
    bid.status, bid.status_reason = Bid.Status.KNOCKED_OUT, "Failed the knockout"
    bid._change_reason = "test: knocked out"
    bid.save()
    debrief = Debrief(memo=memo, bid=bid, own_total=None, winning_total=81.5, groups=[],
                      exclusion_reason="No data processing agreement was offered.")
    debrief._change_reason = "test: opened"
    debrief.save()
    lead = memo.procedure.lead
    debrief_send(actor=lead, debrief=write(lead, debrief))
    bidder = bidder_for(bid, username="kay")

    html = page(client, bidder, memo.procedure).content.decode()

    assert "No data processing agreement was offered." in html and 'data-testid="exclusion"' in html
    assert 'data-testid="totals"' not in html
