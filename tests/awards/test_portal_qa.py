"""Questions through the portal (issue 20): a bidder asks during the Q&A window (refused after the deadline), the
lead is told; the bidder sees their own questions with their status and every published answer anonymised;
publishing answers tells every invited bidder once, several answers in one notice."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from awards import services
from awards.models import BidderNotice, Question
from awards.services.qa import question_ask, questions_publish
from procurement.exceptions import DomainError
from procurement.notifications.models import Notification
from tests.awards.portal_helpers import issue_portal_rfp
from tests.factories.portal import bidder_for
from tests.factories.timeline import age_timeline

pytestmark = pytest.mark.django_db


@pytest.fixture
def portal_rfp(lead, business_owner, make_vendor, future_timeline):
    return issue_portal_rfp(lead=lead, business_owner=business_owner, make_vendor=make_vendor,
                            future_timeline=future_timeline)


@pytest.fixture
def bids(portal_rfp):
    return list(portal_rfp.bids.select_related("vendor").order_by("pk"))


def test_a_bidder_asks_through_the_page_and_the_lead_is_told(client, portal_rfp, bids, lead):
    user = bidder_for(bids[0])
    client.force_login(user)
    url = reverse("portal:qa", args=[portal_rfp.reference])

    response = client.post(url, {"text": "  Is SSO required for contractors?  "})

    assert response.status_code == 302
    question = Question.objects.get()
    assert (question.bid, question.recorded_by, question.text, question.late) == (
        bids[0], user, "Is SSO required for contractors?", False)
    assert question.history.get().history_user == user
    told = Notification.objects.get(kind="bidder_question")
    assert told.recipient == lead and str(bids[0].vendor) in told.subject and "contractors" in told.body
    page = client.get(url).content.decode()
    assert "Is SSO required for contractors?" in page and "not answered yet" in page


def test_after_the_question_deadline_the_portal_refuses_with_a_sentence_and_saves_nothing(
        client, portal_rfp, bids, lead):
    today = timezone.localdate()
    age_timeline(portal_rfp, actor=lead, rfp_issue_date=today - timedelta(days=12),
                 question_deadline=today - timedelta(days=1))
    user = bidder_for(bids[0])
    client.force_login(user)
    url = reverse("portal:qa", args=[portal_rfp.reference])

    page = client.get(url).content.decode()
    response = client.post(url, {"text": "One more thing?"})

    assert "Questions are not taken now" in page and 'name="text"' not in page
    assert response.status_code == 409 and "deadline for questions" in response.content.decode()
    assert not Question.objects.exists() and not Notification.objects.filter(kind="bidder_question").exists()


def test_an_empty_question_is_answered_next_to_the_field(client, portal_rfp, bids):
    client.force_login(bidder_for(bids[0]))

    response = client.post(reverse("portal:qa", args=[portal_rfp.reference]), {"text": "   "})

    assert response.status_code == 400 and 'id="id_text_error"' in response.content.decode()
    assert not Question.objects.exists()


def test_questions_are_only_asked_for_ones_own_bid_and_only_while_the_rfp_is_out(portal_rfp, bids, lead):
    user = bidder_for(bids[0])

    with pytest.raises(PermissionDenied):
        question_ask(actor=user, bid=bids[1], text="Whose bid is this?")
    with pytest.raises(PermissionDenied):
        question_ask(actor=lead, bid=bids[0], text="Staff never ask through the portal.")
    services.bid_decline(actor=lead, bid=bids[0], reason="No capacity")
    with pytest.raises(DomainError, match="declined"):
        question_ask(actor=user, bid=bids[0], text="Still there?")
    assert not Question.objects.exists()


def test_the_page_shows_published_answers_anonymised_and_never_anothers_unpublished_question(
        client, portal_rfp, bids, lead, django_assert_max_num_queries):
    mine_user, theirs_user = bidder_for(bids[0]), bidder_for(bids[1])
    theirs = question_ask(actor=theirs_user, bid=bids[1], text=f"{bids[1].vendor} asks: is the API metered?")
    services.question_answer(actor=lead, question=theirs, answer="Yes, per thousand calls.",
                             public_text="Is the API metered?")
    services.question_publish(actor=lead, question=theirs)
    question_ask(actor=theirs_user, bid=bids[1], text="A secret unpublished question")
    mine = question_ask(actor=mine_user, bid=bids[0], text="Can we bid in USD?")
    services.question_answer(actor=lead, question=mine, answer="No, EUR only.")
    client.force_login(mine_user)

    with django_assert_max_num_queries(12):
        page = client.get(reverse("portal:qa", args=[portal_rfp.reference])).content.decode()

    assert "Is the API metered?" in page and "Yes, per thousand calls." in page
    assert str(bids[1].vendor) not in page and "secret unpublished" not in page
    assert "Can we bid in USD?" in page and "Answered; waiting to be published" in page
    assert "No, EUR only." not in page  # unpublished answers stay with the lead


def test_publishing_an_answer_tells_every_invited_bidder_once(portal_rfp, bids, lead,
                                                               django_capture_on_commit_callbacks):
    user = bidder_for(bids[0])
    services.bid_decline(actor=lead, bid=bids[2], reason="No capacity")
    question = question_ask(actor=user, bid=bids[0], text="Is there a sandbox?")
    services.question_answer(actor=lead, question=question, answer="Yes.", public_text="Is there a sandbox?")

    with django_capture_on_commit_callbacks(execute=True):
        services.question_publish(actor=lead, question=question)
        services.question_publish(actor=lead, question=question)

    notices = BidderNotice.objects.filter(kind="answers")
    assert sorted(notices.values_list("bid_id", flat=True)) == [bids[0].pk, bids[1].pk]
    assert all("Is there a sandbox?" in n.body and "Yes." in n.body for n in notices)
    assert str(bids[0].vendor) not in notices.first().body
    assert Notification.objects.filter(kind="bidder_notice", recipient=user).count() == 1


def test_several_answers_published_together_make_one_notice_per_bidder(portal_rfp, bids, lead, client):
    questions = []
    for n, text in enumerate(("First?", "Second?", "Third?")):
        q = services.question_record(actor=lead, procedure=portal_rfp, bid=bids[n], text=text)
        services.question_answer(actor=lead, question=q, answer=f"Answer {n}")
        questions.append(q)
    client.force_login(lead)
    url = reverse("awards:questions_publish", args=[portal_rfp.reference])

    assert client.get(url).status_code == 200
    response = client.post(url, {"questions": [questions[0].pk, questions[2].pk]})

    assert response.status_code == 302
    notices = BidderNotice.objects.filter(kind="answers")
    assert notices.count() == len(bids)
    assert notices.first().subject == f"Answers published: Q{questions[0].number}, Q{questions[2].number}"
    assert "Second?" not in notices.first().body
    assert questions_publish(actor=lead, procedure=portal_rfp, questions=[questions[0]]) == []
    assert notices.count() == len(bids)


def test_answers_of_a_procedure_run_outside_the_portal_tell_nobody(rfp_issued, lead):
    bid = rfp_issued.bids.first()
    question = services.question_record(actor=lead, procedure=rfp_issued, bid=bid, text="Q?")
    services.question_answer(actor=lead, question=question, answer="A.")

    services.question_publish(actor=lead, question=question)

    assert not BidderNotice.objects.exists()
