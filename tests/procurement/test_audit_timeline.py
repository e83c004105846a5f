"""The merged audit timeline of an award procedure and of its decision memo: one list of the procedure, its
scorecard, scores (only once scoring has closed, only for those who read results), memo, sign-offs and
documents, newest first, with readable values; access and query counts follow the object's policy."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from awards import services
from awards.audit import PROCEDURE_PARTS
from awards.models import SignOff
from awards.models.scorecard import Criterion
from procurement.accounts.roles import Role
from procurement.audit.history import attribute
from procurement.audit.registry import parts_for
from procurement.audit.timeline import merged_timeline
from tests.factories.accounts import TEST_PASSWORD
from tests.factories.memos import EC, PM, RC, committee, shortlisted_procedure, written_memo

pytestmark = pytest.mark.django_db


@pytest.fixture
def shortlist(lead, business_owner):
    return shortlisted_procedure(lead=lead, business_owner=business_owner, value=Decimal("50000"))


@pytest.fixture
def approvers(make_user):
    people = [make_user(Role.COMMITTEE_APPROVER, first_name=n, last_name="Signer") for n in ("Ada", "Grace")]
    committee(PM, *people, quorum=2)
    committee(RC, quorum=1)
    committee(EC, quorum=1)
    return people


@pytest.fixture
def approved(shortlist, approvers):
    memo = services.memo_submit(actor=shortlist.lead, memo=written_memo(shortlist))
    for person in approvers:
        services.signoff_record(actor=person, memo=memo, decision="approve",
                                comment=f"Fine by {person.first_name}", password=TEST_PASSWORD)
    memo.refresh_from_db()
    return memo


def _url(obj, label):
    return f"/audit/{label}/{obj.pk}/"


def test_procedure_history_merges_procedure_scorecard_scores_memo_signoffs_and_documents(
        client, shortlist, approved, auditor):
    # (One test for several views of the same history: building an approved memo costs minutes here.)
    entries = merged_timeline(shortlist.procedure, auditor, PROCEDURE_PARTS)

    kinds = {entry.object_type for entry in entries}
    assert {"award procedure", "scorecard", "criterion", "score", "decision memo", "sign off",
            "proposal document", "memo version", "rendered document"} <= kinds
    root = [e for e in entries if not e.part]
    assert root[-1].action == "created" and root[-1].who == str(shortlist.lead)
    winner = str(shortlist.bids[0].vendor)
    score = next(e for e in entries if e.object_type == "score" and e.subject.startswith(winner))
    assert {c.field: c.new for c in score.changes}["Value"] == "4.5"  # a score names its bid and shows its value
    assert [e.when for e in entries] == sorted((e.when for e in entries), reverse=True)  # newest first
    reasons = [e.reason for e in entries]
    approval, evaluation = "Approved: every committee reached quorum", "Moved to Evaluation: Proposals closed"
    assert reasons.index(approval) < reasons.index(evaluation)

    # The viewer shows each sign-off: approver, time, decision (its label), comment and the hash signed.
    client.force_login(auditor)
    url = _url(shortlist.procedure, "awards.awardprocedure")
    html = client.get(url).content.decode()
    signoff = SignOff.objects.select_related("signer").order_by("pk").first()
    assert f"{signoff.signer}</strong> created the sign off" in html
    assert f"<th scope=\"row\">Approver</th><td>{signoff.signer}</td>" in html
    assert "<th scope=\"row\">Decision</th><td>Approve</td>" in html
    assert f"<th scope=\"row\">Comment</th><td>Fine by {signoff.signer.first_name}</td>" in html
    assert f"<th scope=\"row\">Hash signed</th><td>{approved.content_hash}</td>" in html
    assert "<th scope=\"row\">Signed at</th>" in html
    # The memo's own history page carries the same sign-offs.
    memo_html = client.get(_url(approved, "awards.decisionmemo")).content.decode()
    assert memo_html.count(f"<th scope=\"row\">Hash signed</th><td>{approved.content_hash}</td>") == 2

    # Long histories are paginated, 50 entries a page.
    second = client.get(url, {"page": 2}).content.decode()
    assert html.count('class="audit-entry') == 50 and 'rel="next"' in html and "Page 2 of" in second
    assert client.get(url, {"page": "nonsense"}).status_code == 200

    # Before scoring closes, scores stay out of the procedure's history, even for those who read results.
    shortlist.procedure.stage = "evaluation"  # in memory only
    for reader in (auditor, shortlist.lead):
        kinds = {entry.object_type for entry in merged_timeline(shortlist.procedure, reader, PROCEDURE_PARTS)}
        assert "score" not in kinds and "score sheet" not in kinds and "consensus note" not in kinds
        assert "scorecard" in kinds and "criterion" in kinds


def test_history_pages_follow_each_readers_access_and_cost_flat_queries(
        client, shortlist, approved, approvers, stranger, auditor):
    procedure_url = _url(shortlist.procedure, "awards.awardprocedure")
    memo_url = _url(approved, "awards.decisionmemo")

    # An evaluator reads the procedure's history without anyone's scores, the memo or the sign-offs.
    client.force_login(shortlist.evaluators[0])
    response = client.get(procedure_url)
    html = response.content.decode()
    assert response.status_code == 200
    assert "the score “" not in html and "the decision memo" not in html and "Hash signed" not in html
    assert "Individual scores are not listed here" in html
    assert client.get(memo_url).status_code == 404

    # An approver reads the memo's history, not the procedure's.
    client.force_login(approvers[0])
    assert client.get(memo_url).status_code == 200
    assert client.get(procedure_url).status_code == 404

    # Someone with no access gets 404 from every history page.
    client.force_login(stranger)
    for url in (procedure_url, memo_url, _url(shortlist.bids[0], "awards.bid")):
        assert client.get(url).status_code == 404

    # The page's query count does not grow with the history.
    client.force_login(auditor)
    client.get(procedure_url)  # warm caches (content types, roles)
    with CaptureQueriesContext(connection) as few:
        client.get(procedure_url)
    criterion = Criterion.objects.filter(scorecard__procedure=shortlist.procedure).first()
    for n in range(8):  # more rows, of the root and of a part
        for record in (shortlist.procedure, criterion):
            attribute(record, actor=shortlist.lead, reason=f"Note {n}")
            record.save()
    with CaptureQueriesContext(connection) as many:
        client.get(procedure_url)
    assert len(many) == len(few) <= 40


def test_contract_history_folds_in_its_kickoff_and_clauses(client, lead, manager, stranger):
    from contracts.services import playbook_seed
    from tests.factories.contracts import held_kickoff, open_contract

    playbook_seed()
    contract = open_contract(lead=lead, manager=manager)
    held_kickoff(contract, lead=lead, manager=manager)
    url = _url(contract, "contracts.contract")

    client.force_login(manager)
    html = client.get(url).content.decode()

    assert f"the kickoff attendee “{manager}”" in html and "the kickoff" in html
    entries = merged_timeline(contract, manager, parts_for("contracts.contract"))
    assert any(e.action == "created" and not e.part for e in entries)  # the contract's own creation
    assert {"clause position", "kickoff", "kickoff attendee"} <= {e.object_type for e in entries}
    client.force_login(stranger)
    assert client.get(url).status_code == 404
