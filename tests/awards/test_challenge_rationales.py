"""Issue 17, findings 5 and 6: an award that survives challenge needs the evaluators' reasons where decisions are
made, and the evaluators need their own scores after the award.

Finding 5: the lead (once scoring has closed, never before), the consensus form, the approvers on the memo page,
the debrief author and the auditor read every submitted score with its reason; a recused evaluator's score is
shown as recused. Blind scoring holds: while scoring is open nobody reads another evaluator's reasons second-hand.
Finding 6: after the award an evaluator still sees and downloads exactly their own scores with their reasons."""

from __future__ import annotations

import io
import json
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from awards import services
from awards.models import Bid, ConflictDeclaration, Debrief
from awards.models.scorecard import ConsensusNote, Score
from awards.policies import memo_policy, procedure_policy, reads_rationales
from awards.selectors.rationales import procedure_rationales
from procurement.accounts.roles import Role
from tests.factories.accounts import TEST_PASSWORD
from tests.factories.memos import PM, committee, shortlisted_procedure, written_memo
from tests.factories.scorecards import build_scored_procedure, criteria_of

pytestmark = pytest.mark.django_db

ANA_REASON = "Ana: the demo failed two of five test questions"
BEN_REASON = "Ben: accurate on our own ticket sample"


def _page(client, user, name, *args, **headers):
    client.force_login(user)
    return client.get(reverse(f"awards:{name}", args=args), headers=headers)


def _reasons(client, user, procedure, bid, **headers):
    """The bid's "Evaluators' reasons" as the results page loads them (its own address since the benchmark)."""
    return _page(client, user, "results_rationales", procedure.reference, bid.pk, **headers)


@pytest.fixture
def disputed(evaluation, lead):
    """In evaluation: Ana scored the first bid's first criterion 2 and submitted; Ben scored it 4 and has not
    submitted yet. Every other cell is a plain 3."""
    ana, ben = evaluation.evaluators
    bids = list(evaluation.bids.order_by("pk"))
    criteria = criteria_of(evaluation)
    for person in (ana, ben):
        for bid in bids:
            services.conflict_declare(actor=person, bid=bid, has_conflict=False)
        for bid in bids:
            for criterion in criteria:
                first = bid == bids[0] and criterion == criteria[0]
                value = ("2" if person is ana else "4") if first else "3"
                reason = (ANA_REASON if person is ana else BEN_REASON) if first else "Ordinary"
                services.score_save(actor=person, bid=bid, criterion=criterion, value=value, rationale=reason)
    services.scoresheet_submit(actor=ana, procedure=evaluation)
    evaluation.refresh_from_db()
    evaluation.evaluators, evaluation.bid_rows, evaluation.criteria = (ana, ben), bids, criteria
    return evaluation


@pytest.fixture
def awarded(lead, business_owner, panel, make_user, monkeypatch, django_capture_on_commit_callbacks):
    """Awarded through the real approval; each evaluator's reasons carry their username, and a third evaluator
    was recused from the winning bid (and did not score it)."""
    real_save = services.score_save

    def signed_save(*, actor, rationale, **kwargs):
        return real_save(actor=actor, rationale=f"{actor.username} read it in the proposal", **kwargs)

    monkeypatch.setattr(services, "score_save", signed_save)
    shortlist = shortlisted_procedure(lead=lead, business_owner=business_owner, value=Decimal("50000"),
                                      recused_evaluator=make_user(Role.EVALUATOR, Role.COMMITTEE_APPROVER))
    monkeypatch.setattr(services, "score_save", real_save)
    memo = services.memo_submit(actor=lead, memo=written_memo(shortlist))
    with django_capture_on_commit_callbacks(execute=True):
        services.signoff_record(actor=panel["pm1"], memo=memo, decision="approve", password=TEST_PASSWORD)
    memo.refresh_from_db()
    shortlist.procedure.refresh_from_db()
    return shortlist, memo


# --- finding 5: the reasons where decisions are made ------------------------------------------------------------


def test_finding_5_blind_scoring_holds_while_scoring_is_open(disputed, lead, client, auditor):
    """Before: nobody read the reasons; the fix must not let anyone read them before every evaluator submitted."""
    ana, ben = disputed.evaluators
    bid, criterion = disputed.bid_rows[0], disputed.criteria[0]
    results = _page(client, lead, "results", disputed.reference).content.decode()
    assert ANA_REASON not in results and BEN_REASON not in results
    assert "once scoring has closed" in results
    consensus = _page(client, lead, "results_consensus", disputed.reference, bid.pk, criterion.pk).content.decode()
    assert ANA_REASON not in consensus and BEN_REASON not in consensus
    assert _page(client, lead, "decision_record_json", disputed.reference).status_code == 409
    assert ANA_REASON not in _page(client, auditor, "results", disputed.reference).content.decode()
    for person in (lead, auditor):  # the reasons' own address says the same, and shows none
        reasons = _reasons(client, person, disputed, bid)
        assert reasons.status_code == 200 and "once scoring has closed" in reasons.content.decode()
        assert ANA_REASON not in reasons.content.decode() and BEN_REASON not in reasons.content.decode()
    assert _reasons(client, ben, disputed, bid).status_code == 403
    # Ben, still scoring, reads nobody's reasons; Ana, who submitted, does not read Ben's unsubmitted ones.
    assert ANA_REASON not in _page(client, ben, "scoring", disputed.reference).content.decode()
    assert BEN_REASON not in _page(client, ana, "scoring", disputed.reference).content.decode()
    assert _page(client, ben, "results", disputed.reference).status_code == 403
    assert not reads_rationales(lead, disputed) and not reads_rationales(ben, disputed)
    assert procedure_policy.refusal(lead, "read_rationales", disputed).startswith("The evaluators' reasons")


def test_finding_5_once_scoring_closes_the_lead_reads_every_reason_and_the_consensus_form_shows_the_dispute(
        disputed, lead, client):
    """Before: the results page and the consensus form showed no evaluator's reason, only the spread."""
    ana, ben = disputed.evaluators
    services.scoresheet_submit(actor=ben, procedure=disputed)
    bid, criterion = disputed.bid_rows[0], disputed.criteria[0]

    results = _reasons(client, lead, disputed, bid).content.decode()
    assert ANA_REASON in results and BEN_REASON in results
    assert str(ana) in results and str(ben) in results

    response = _page(client, lead, "results_consensus", disputed.reference, bid.pk, criterion.pk)
    form = response.content.decode()
    assert response.status_code == 200
    ana_at, ben_at, note_at = form.index(ANA_REASON), form.index(BEN_REASON), form.index('name="note"')
    assert ana_at < note_at and ben_at < note_at  # above the note the lead writes
    assert f"{ana} 2</strong>" in form and f"{ben} 4</strong>" in form
    assert "Ordinary" not in form  # only the disputed cell, not the rest of the grid

    # An evaluator never reads the results page, even once scoring has closed.
    assert _page(client, ana, "results", disputed.reference).status_code == 403
    assert _reasons(client, ana, disputed, bid).status_code == 403
    # Reading the consensus form wrote nothing.
    assert not ConsensusNote.objects.filter(bid=bid).exists()


def test_finding_5_the_read_is_one_query_and_a_recused_score_is_shown_as_not_counting(
        disputed, lead, client, django_assert_num_queries):
    """Before: there was no read of the reasons; a score of an evaluator recused after scoring must not count."""
    from procurement.audit.history import attribute

    ana, ben = disputed.evaluators
    services.scoresheet_submit(actor=ben, procedure=disputed)
    declaration = ConflictDeclaration.objects.get(assignment__evaluator=ben, bid=disputed.bid_rows[0])
    attribute(declaration, actor=lead, reason="Late disclosure: recused after scoring")
    declaration.review = ConflictDeclaration.Review.RECUSED
    declaration.save()

    with django_assert_num_queries(1):
        read = procedure_rationales(disputed)
        cell = read.cell(disputed.bid_rows[0].pk, disputed.criteria[0].pk)
    assert {s.evaluator_id: (s.value, s.counts) for s in cell} == {ana.pk: (Decimal("2"), True),
                                                                   ben.pk: (Decimal("4"), False)}
    assert [s.standing for s in cell if s.evaluator_id == ben.pk] == ["Recused: this score does not count."]
    assert len(read.bids) == 3 and all(len(b.criteria) == len(disputed.criteria) for b in read.bids)
    page = _reasons(client, lead, disputed, disputed.bid_rows[0]).content.decode()
    assert "Recused: this score does not count." in page


def test_finding_5_approvers_the_debrief_author_and_the_auditor_read_the_reasons(awarded, panel, client, auditor,
                                                                                make_user):
    """Before: the memo page, the debrief form and the auditor's pages showed no evaluator's reason."""
    shortlist, memo = awarded
    first, second = shortlist.evaluators[:2]
    reason_of = {person: f"{person.username} read it in the proposal" for person in shortlist.evaluators}

    memo_page = _page(client, panel["pm2"], "memo_detail", shortlist.procedure.reference)
    assert memo_page.status_code == 200
    body = memo_page.content.decode()
    assert reason_of[first] in body and reason_of[second] in body
    assert memo_policy.can(panel["pm2"], "read_rationales", memo)

    # The business owner reads the memo but not the per-evaluator reasons.
    owner_page = _page(client, shortlist.business_owner, "memo_detail", shortlist.procedure.reference)
    assert owner_page.status_code == 200 and reason_of[first] not in owner_page.content.decode()

    # An approver who declared a conflict in this procedure reads the memo without the reasons.
    conflicted = shortlist.recused  # also a committee approver, recused from the winning bid
    committee(PM, conflicted)
    # seated on the memo's route, as a member of the committee when the route opened (RouteStep.members)
    memo.routes.order_by("-pk").first().steps.get(committee__key=PM).members.add(conflicted)
    page = _page(client, conflicted, "memo_detail", shortlist.procedure.reference)
    assert page.status_code == 200 and reason_of[first] not in page.content.decode()
    assert not reads_rationales(conflicted, shortlist.procedure, memo)

    debrief = Debrief.objects.filter(memo=memo).order_by("pk").first()
    form = _page(client, shortlist.lead, "debrief_edit", shortlist.procedure.reference, debrief.pk).content.decode()
    assert reason_of[first] in form and str(debrief.bid.vendor) in form
    assert "reasons for this bid and the winning bid" in form

    audit_page = _reasons(client, auditor, shortlist.procedure, shortlist.bids[0]).content.decode()
    assert reason_of[first] in audit_page and reason_of[second] in audit_page
    record = json.loads(_page(client, auditor, "decision_record_json", shortlist.procedure.reference).content)
    assert record["scope"] == "full"
    assert {s["rationale"] for s in record["scores"]} == {reason_of[p] for p in shortlist.evaluators}


# --- the results page offers the reasons one bid at a time (the benchmark: 57,600 reasons made it 14 MB) ------


def test_the_results_page_links_each_bids_reasons_and_reads_none_of_them(disputed, lead, client,
                                                                         django_assert_num_queries):
    ana, ben = disputed.evaluators
    services.scoresheet_submit(actor=ben, procedure=disputed)
    bid = disputed.bid_rows[0]
    url = reverse("awards:results_rationales", args=[disputed.reference, bid.pk])

    results = _page(client, lead, "results", disputed.reference).content.decode()
    assert ANA_REASON not in results and "Ordinary" not in results
    for each in disputed.bid_rows:
        each_url = reverse("awards:results_rationales", args=[disputed.reference, each.pk])
        assert f'href="{each_url}" hx-get="{each_url}"' in results
    assert f"Evaluators' reasons: {bid.vendor}" in results

    # Opened normally: a whole page (no JavaScript, printing); through htmx: the rows only.
    whole = _reasons(client, lead, disputed, bid)
    assert whole.status_code == 200 and "<html" in whole.content.decode()
    assert f"<h1>Evaluators' reasons: {bid.vendor}</h1>" in whole.content.decode()
    fragment = _reasons(client, lead, disputed, bid, HX_Request="true")
    body = fragment.content.decode()
    assert fragment.status_code == 200 and "<html" not in body and "<h1>" not in body
    assert ANA_REASON in body and BEN_REASON in body and body.count("Ordinary") == 2 * (len(disputed.criteria) - 1)
    assert "HX-Request" in fragment["Vary"]
    # Only this bid's reasons: another bid's page has no disputed reason.
    other = _reasons(client, lead, disputed, disputed.bid_rows[1], HX_Request="true").content.decode()
    assert ANA_REASON not in other and other.count("Ordinary") == 2 * len(disputed.criteria)
    assert client.get(url + "?page=nonsense").status_code == 200


def test_a_bids_reasons_come_a_page_at_a_time_in_one_query_for_the_rows(disputed, lead, client, monkeypatch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from awards.models.scorecard import Score as ScoreModel
    from awards.selectors import rationales

    ana, ben = disputed.evaluators
    services.scoresheet_submit(actor=ben, procedure=disputed)
    bid = disputed.bid_rows[0]
    url = reverse("awards:results_rationales", args=[disputed.reference, bid.pk])
    rows = 2 * len(disputed.criteria)
    monkeypatch.setattr(rationales, "RATIONALES_PER_PAGE", 2)
    client.force_login(lead)
    client.get(url)  # warm per-process caches

    seen, counts = [], set()
    for number in range(1, rows // 2 + 1):
        with CaptureQueriesContext(connection) as captured:
            body = client.get(url, {"page": number}, headers={"HX-Request": "true"}).content.decode()
        counts.add(len(captured.captured_queries))
        score_reads = [q["sql"] for q in captured.captured_queries
                       if f'FROM "{ScoreModel._meta.db_table}"' in q["sql"]]
        assert len(score_reads) == 1 and "LIMIT 3" in score_reads[0]
        assert body.count('<td class="num">') == 2
        assert (f"page={number + 1}" in body) == (number < rows // 2)
        seen.append(body)
    assert len(counts) == 1, "every page of the reasons costs the same number of queries"
    assert ANA_REASON in seen[0] and BEN_REASON in seen[0]  # the first criterion comes first
    assert all(ANA_REASON not in page for page in seen[1:])
    assert "No more scores" in client.get(url, {"page": 99}).content.decode()


def test_the_reasons_address_is_guarded_like_the_results_page(awarded, client, stranger, make_user):
    shortlist, memo = awarded
    procedure, bid = shortlist.procedure, shortlist.bids[0]
    assert _reasons(client, stranger, procedure, bid).status_code == 404
    assert _reasons(client, make_user(Role.PROCUREMENT_LEAD), procedure, bid).status_code == 403
    # The business owner sees the results but never the per-evaluator reasons.
    assert _page(client, shortlist.business_owner, "results", procedure.reference).status_code == 200
    assert _reasons(client, shortlist.business_owner, procedure, bid).status_code == 403
    assert _reasons(client, shortlist.evaluators[0], procedure, bid).status_code == 403
    assert _reasons(client, shortlist.lead, procedure, bid).status_code == 200
    other = build_scored_procedure(bids=1, criteria=1, evaluators=1)
    assert _page(client, shortlist.lead, "results_rationales", procedure.reference,
                 other.bids.get().pk).status_code == 404  # a bid of another procedure


def test_the_results_page_costs_the_same_however_many_reasons_there_are(client):
    """Queries and bytes of the results page with no reasons, with long ones, and with three times the scores."""
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    long_reason = "A long and careful reason, quoting the proposal at length. " * 8

    def measure(procedure) -> tuple[int, int]:
        client.force_login(procedure.lead)
        url = reverse("awards:results", args=[procedure.reference])
        client.get(url)
        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200 and long_reason not in response.content.decode()
        assert "Evaluators' reasons: " in response.content.decode()
        return len(captured.captured_queries), len(response.content)

    def give_reasons(procedure, reason: str) -> None:
        for score in Score.objects.filter(bid__procedure=procedure):  # row by row: scores keep their history
            score.rationale = reason
            score.save(update_fields=["rationale"])

    small = build_scored_procedure(bids=3, criteria=4, evaluators=2)
    give_reasons(small, "")
    no_reasons = measure(small)
    give_reasons(small, long_reason)
    with_reasons = measure(small)
    large = build_scored_procedure(bids=3, criteria=4, evaluators=6)
    give_reasons(large, long_reason)
    three_times = measure(large)

    assert no_reasons[0] == with_reasons[0] == three_times[0]
    assert abs(with_reasons[1] - no_reasons[1]) < 200  # the same page, whatever the reasons (24 of ~500 bytes)
    assert abs(three_times[1] - with_reasons[1]) < 2000  # 48 more reasons would add ~25 KB


# --- finding 6: the evaluator's own scores after the award ------------------------------------------------------


def test_finding_6_after_the_award_each_evaluator_sees_and_downloads_exactly_their_own_scores(
        awarded, client, stranger, make_user):
    """Before: after the award the grid said 'Nothing to score yet' and offered no download of one's own scores."""
    shortlist, memo = awarded
    first, second = shortlist.evaluators[:2]
    statuses = set(Bid.objects.filter(procedure=shortlist.procedure).values_list("status", flat=True))
    assert statuses == {Bid.Status.AWARDED, Bid.Status.UNSUCCESSFUL}
    mine = f"{first.username} read it in the proposal"
    theirs = f"{second.username} read it in the proposal"

    grid = _page(client, first, "scoring", shortlist.procedure.reference)
    page = grid.content.decode()
    assert grid.status_code == 200
    assert "Nothing to score yet" not in page
    for bid in shortlist.bids:
        assert str(bid.vendor) in page
    assert page.count(mine) == len(shortlist.bids) * len(criteria_of(shortlist.procedure))
    assert theirs not in page and 'name="value"' not in page  # read-only, and nobody else's
    assert reverse("awards:decision_record_json", args=[shortlist.procedure.reference]) in page

    record = json.loads(_page(client, first, "decision_record_json", shortlist.procedure.reference).content)
    assert record["scope"] == "own"
    own_scores = Score.objects.filter(sheet__evaluator=first, sheet__scorecard__procedure=shortlist.procedure)
    assert len(record["scores"]) == own_scores.count() == len(shortlist.bids) * len(criteria_of(shortlist.procedure))
    assert {s["evaluator"] for s in record["scores"]} == {first.pk}
    assert {s["rationale"] for s in record["scores"]} == {mine}
    assert {s["bid"] for s in record["scores"]} == {str(b.pk) for b in shortlist.bids}

    workbook = _page(client, first, "decision_record_xlsx", shortlist.procedure.reference)
    assert workbook.status_code == 200
    cells = [str(c) for ws in load_workbook(io.BytesIO(workbook.content), read_only=True).worksheets
             for row in ws.iter_rows(values_only=True) for c in row if c is not None]
    assert mine in cells and theirs not in cells and second.username not in " ".join(cells)

    # The recused evaluator keeps their own scores too, and only on the bids they scored.
    recused = shortlist.recused
    recused_page = _page(client, recused, "scoring", shortlist.procedure.reference).content.decode()
    assert f"{recused.username} read it in the proposal" in recused_page and mine not in recused_page

    assert _page(client, stranger, "decision_record_json", shortlist.procedure.reference).status_code == 404
    assert _page(client, stranger, "scoring", shortlist.procedure.reference).status_code == 404
    assert _page(client, make_user(Role.EVALUATOR), "scoring", shortlist.procedure.reference).status_code == 404
    assert _page(client, shortlist.business_owner, "scoring", shortlist.procedure.reference).status_code == 403
    assert _page(client, shortlist.business_owner, "decision_record_json",
                 shortlist.procedure.reference).status_code == 403
