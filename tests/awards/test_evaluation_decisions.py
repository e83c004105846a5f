"""One page for the lead's evaluation decisions (issue 21): every knockout outcome and shortlist decision
together, each through its own service, all or nothing."""

import pytest
from django.urls import reverse

from awards import services
from awards.models import Bid, KnockoutDecision
from tests.factories.scorecards import declare_all, score_all

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored(evaluation):
    procedure = declare_all(evaluation)
    first, second = procedure.evaluators
    score_all(procedure, first, lambda b, c: 4 if b == 0 else 3)
    score_all(procedure, second, lambda b, c: 4 if b == 0 else 3)
    services.scoresheet_submit(actor=first, procedure=procedure)
    services.scoresheet_submit(actor=second, procedure=procedure)
    return procedure


def _form(client, procedure) -> dict:
    """The page's own initial values, as a browser would post them back untouched."""
    response = client.get(reverse("awards:results_decide", args=[procedure.reference]))
    assert response.status_code == 200
    form = response.context["form"]
    return {name: (form[name].value() or "") for name in form.fields}


def test_the_lead_decides_every_knockout_and_the_shortlist_in_one_post(scored, client, lead,
                                                                     django_assert_max_num_queries):
    knockout = scored.scorecard.knockouts.get()
    first, second, third = scored.bids.order_by("pk")
    client.force_login(lead)
    data = _form(client, scored)
    data.update({f"ko_{knockout.pk}_{first.pk}": "pass", f"ko_{knockout.pk}_{second.pk}": "pass",
                 f"ko_{knockout.pk}_{third.pk}": "fail", f"ko_{knockout.pk}_{third.pk}_reason": "Refuses our clause",
                 f"bid_{first.pk}": "shortlisted", f"bid_{second.pk}": "shortlisted",
                 f"bid_{third.pk}": "knocked_out", "reason": "Panel meeting of 3 December"})

    response = client.post(reverse("awards:results_decide", args=[scored.reference]), data)

    assert response.status_code == 302
    statuses = dict(Bid.objects.filter(procedure=scored).values_list("pk", "status"))
    assert statuses == {first.pk: "shortlisted", second.pk: "shortlisted", third.pk: "knocked_out"}
    failed = KnockoutDecision.objects.get(knockout=knockout, bid=third)
    assert failed.passed is False and failed.reason == "Refuses our clause" and failed.decided_by == lead
    row = Bid.history.filter(id=first.pk).first()
    assert row.history_user == lead and "Panel meeting of 3 December" in row.history_change_reason
    with django_assert_max_num_queries(40):
        client.get(reverse("awards:results_decide", args=[scored.reference]))


def test_a_bid_failing_a_knockout_cannot_be_shortlisted_and_nothing_is_recorded(scored, client, lead):
    knockout = scored.scorecard.knockouts.get()
    first, second, third = scored.bids.order_by("pk")
    client.force_login(lead)
    data = _form(client, scored)
    data.update({f"ko_{knockout.pk}_{first.pk}": "pass", f"ko_{knockout.pk}_{third.pk}": "fail",
                 f"ko_{knockout.pk}_{third.pk}_reason": "Refuses our clause",
                 f"bid_{first.pk}": "shortlisted", f"bid_{third.pk}": "shortlisted", "reason": "Both fine"})

    response = client.post(reverse("awards:results_decide", args=[scored.reference]), data)

    assert response.status_code == 400
    page = response.content.decode()
    assert "Nothing was recorded" in page and "cannot be shortlisted" in page
    assert not KnockoutDecision.objects.filter(knockout=knockout).exists()
    assert set(Bid.objects.filter(procedure=scored).values_list("status", flat=True)) == {"submitted"}


def test_shortlisting_needs_the_reason_and_an_unchanged_page_records_nothing(scored, client, lead):
    first = scored.bids.order_by("pk").first()
    client.force_login(lead)
    data = _form(client, scored)
    data.update({f"bid_{first.pk}": "shortlisted", "reason": ""})
    response = client.post(reverse("awards:results_decide", args=[scored.reference]), data)
    assert response.status_code == 400 and "Give the reason for the shortlist decisions" in response.content.decode()
    assert Bid.objects.get(pk=first.pk).status == "submitted"


def test_only_the_lead_decides(scored, client, make_user):
    from procurement.accounts.roles import Role

    evaluator = scored.evaluators[0]
    client.force_login(evaluator)
    assert client.get(reverse("awards:results_decide", args=[scored.reference])).status_code in (403, 404)
    client.force_login(make_user(Role.PROCUREMENT_LEAD))
    assert client.post(reverse("awards:results_decide", args=[scored.reference]), {}).status_code == 403


def test_an_evaluator_declares_for_every_bidder_on_one_page(evaluation, client):
    from awards.models import ConflictDeclaration

    evaluator = evaluation.evaluators[0]
    bids = list(evaluation.bids.order_by("pk"))
    url = reverse("awards:coi_declare_all", args=[evaluation.reference])
    client.force_login(evaluator)
    data = {f"conflict_{bid.pk}": "no" for bid in bids}
    data[f"conflict_{bids[1].pk}"] = "yes"

    refused = client.post(url, data)  # a conflict needs its description: nothing is recorded
    assert refused.status_code == 400 and "Nothing was recorded" in refused.content.decode()
    assert not ConflictDeclaration.objects.filter(assignment__evaluator=evaluator).exists()

    data[f"description_{bids[1].pk}"] = "My brother leads their sales team"
    assert client.post(url, data).status_code == 302

    declared = {d.bid_id: d for d in ConflictDeclaration.objects.filter(assignment__evaluator=evaluator)}
    assert set(declared) == {bid.pk for bid in bids}
    assert declared[bids[1].pk].has_conflict and declared[bids[1].pk].review == "pending"
    assert not declared[bids[0].pk].has_conflict
    assert ConflictDeclaration.history.filter(id=declared[bids[0].pk].pk).first().history_user == evaluator
    assert client.get(url).status_code == 409  # nothing is owed any more: the policy's "declare" refuses
