"""The decision record (issue 17): downloaded as JSON and XLSX, it recomputes every total and the ranking with
code written here from the record's own words — nothing in this file's recomputation imports the scoring engine,
the results module or any other awards module — and it matches the results page and the engine's ranking.

Also: who may download it (lead, auditor, an evaluator for their own scores only; business owner 403, outsider
404), a score of an evaluator recused after scoring does not count, the query count stays bounded, and the memo's
frozen snapshot and sign-offs travel in it.
"""

from __future__ import annotations

import io
import json
import re
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal
from html import unescape

import pypdf
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from awards import services
from awards.models import Bid, ConflictDeclaration, Requirement
from awards.models.procedure import Stage
from awards.models.scorecard import Criterion, Knockout
from procurement.accounts.roles import Role
from tests.factories.accounts import TEST_PASSWORD
from tests.factories.memos import PM, RC, committee, shortlisted_procedure, written_memo
from tests.factories.scorecards import build_scored_procedure, cover_musts
from tests.factories.timeline import age_timeline
from tests.factories.vendors import VendorFactory

pytestmark = pytest.mark.django_db

# --- the independent recomputation (plain Python, from the record alone) --------------------------------------

COUNTING = ("not_needed", "accepted")  # the declaration reviews under which a score counts (README)


def recompute(*, scale, criteria, bids, scores, declarations, consensus, knockout_decisions):
    """Totals and ranking as the README states them. Returns (totals by bid key, ranked bid keys, excluded keys).

    criteria: [{key, weight, order}]; bids: [{key, label, status}]; scores: [{evaluator, bid, criterion, value}];
    declarations: [{evaluator, bid, review}]; consensus: [{bid, criterion, score}];
    knockout_decisions: [{bid, passed}].
    """
    may_count = {(d["evaluator"], str(d["bid"])) for d in declarations if d["review"] in COUNTING}
    values = defaultdict(list)
    for s in scores:
        if (s["evaluator"], str(s["bid"])) in may_count:
            values[(str(s["bid"]), s["criterion"])].append(float(s["value"]))
    agreed = {(str(c["bid"]), c["criterion"]): float(c["score"]) for c in consensus if c["score"] is not None}
    failed = {str(d["bid"]) for d in knockout_decisions if d["passed"] is False}
    failed |= {str(b["key"]) for b in bids if b["status"] == "knocked_out"}

    criterion_scores, totals = {}, {}
    for bid in bids:
        key = str(bid["key"])
        if key in failed:
            continue
        row = {}
        for c in criteria:
            cell = (key, c["key"])
            if cell in agreed:
                row[c["key"]] = agreed[cell]
            elif values.get(cell):
                row[c["key"]] = sum(values[cell]) / len(values[cell])
            else:
                row[c["key"]] = 0.0
        criterion_scores[key] = row
        totals[key] = sum(float(c["weight"]) * row[c["key"]] / scale for c in criteria)

    heaviest_first = [c["key"] for c in sorted(criteria, key=lambda c: (-float(c["weight"]), c["order"]))]
    labels = {str(b["key"]): b["label"] for b in bids}

    def order(key):
        return (-round(totals[key], 9), tuple(-round(criterion_scores[key][c], 9) for c in heaviest_first),
                labels[key].casefold(), labels[key], key)

    return totals, sorted(totals, key=order), sorted(failed)


def recompute_json(record):
    return recompute(scale=record["scale"], criteria=record["criteria"], bids=record["bids"],
                     scores=record["scores"], declarations=record["declarations"], consensus=record["consensus"],
                     knockout_decisions=record["knockout_decisions"])


def sheet_rows(workbook, name):
    rows = list(workbook[name].iter_rows(values_only=True))
    header = rows[0]
    return [dict(zip(header, row, strict=True)) for row in rows[1:]]


def recompute_xlsx(content: bytes):
    workbook = load_workbook(io.BytesIO(content), read_only=True)
    about = {row["field"]: row["value"] for row in sheet_rows(workbook, "Procedure")}
    return recompute(scale=about["scale"], criteria=sheet_rows(workbook, "Criteria"),
                     bids=sheet_rows(workbook, "Bids"), scores=sheet_rows(workbook, "Scores"),
                     declarations=sheet_rows(workbook, "Declarations"), consensus=sheet_rows(workbook, "Consensus"),
                     knockout_decisions=sheet_rows(workbook, "Knockout decisions")), workbook


def displayed_totals(html: str) -> dict[str, str]:
    """Bid label -> the weighted total shown in the results page's ranking table ("–" when excluded)."""
    section = html.split('id="ranking"', 1)[1].split("</table>", 1)[0]
    shown = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", section, flags=re.S)[1:]:
        cells = [re.sub(r"<[^>]+>", " ", c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)]
        label = unescape(cells[1]).split("\n")[0].strip()
        shown[label] = unescape(cells[2]).strip()
    return shown


# --- the world ------------------------------------------------------------------------------------------------

GROUPS = (("Quality", 50, (("Answer accuracy", 2), ("Integration", 1))),
          ("Risk", 30, (("Security", 1), ("Privacy", 1), ("Exit", 1))),
          ("Cost", 20, (("Total cost", 1),)))
VENDORS = ("Alpha", "Beta", "Gamma", "Delta", "Epsilon")
# Per bid: criterion scores in scorecard order (accuracy, integration, security, privacy, exit, cost), given by
# every evaluator alike except where SPLIT says otherwise. Gamma and Epsilon tie on the total (security and
# privacy weigh the same and are swapped): the heaviest-criterion rule runs down to security, where Gamma leads,
# although the label order alone would put Epsilon first. Delta scores best and fails the knockout.
BASE = {"Alpha": (4, 4, 3.5, 4, 3, 2.5), "Beta": (3, 3, 3, 3, 3, 3), "Gamma": (4, 3, 5, 2, 3, 3),
        "Delta": (5, 5, 5, 5, 5, 5), "Epsilon": (4, 3, 2, 5, 3, 3)}
SPLIT = {("Beta", 0): (1, 5, 3), ("Alpha", 1): (3, 4.5, None), ("Beta", 5): (2.5, 3.5, 4)}


@pytest.fixture
def world(lead, business_owner, make_user):
    """Five bids, six criteria in three weighted groups (50 = 33.33 + 16.67 by shares 2:1), three evaluators of
    whom the third is recused from Alpha, a disputed cell with a consensus score, a consensus note without a
    score, a failed knockout (Delta), and a tie settled by the criterion rule. Built through the services."""
    procedure = services.procedure_create(
        actor=lead, submission="recorded", title="Support assistant", need_statement="Deflect routine tickets.",
        business_owner=business_owner, category="ai_saas", estimated_value=Decimal("300000"), currency="EUR",
        term_months=24)
    today = timezone.localdate()
    services.procedure_set_timeline(actor=lead, procedure=procedure, rfp_issue_date=today,
                                    question_deadline=today + timedelta(days=10),
                                    proposals_due=today + timedelta(days=25), demo_start=today + timedelta(days=26),
                                    demo_end=today + timedelta(days=30), target_award_date=today + timedelta(days=45))
    services.procedure_advance(actor=lead, procedure=procedure, target=Stage.REQUIREMENTS, reason="Need agreed")
    requirement = services.requirement_add(actor=lead, procedure=procedure, title="Cites its sources",
                                           priority=Requirement.Priority.MUST)
    services.requirement_agree(actor=business_owner, requirement=requirement)
    bids = {name: services.bid_invite(actor=lead, procedure=procedure,
                                      vendor=VendorFactory(legal_name=f"{name} AI Ltd", trading_name=name))
            for name in VENDORS}
    procedure.refresh_from_db()
    scorecard = services.scorecard_create(actor=lead, procedure=procedure)
    for name, weight, members in GROUPS:
        group = services.group_add(actor=lead, scorecard=scorecard, name=name, weight=weight)
        for criterion, share in members:
            services.criterion_add(actor=lead, group=group, name=criterion, share=share)
    knockout = services.knockout_add(actor=lead, scorecard=scorecard, name="No training on our data",
                                     kind=Knockout.Kind.MANUAL)
    cover_musts(scorecard, actor=lead)
    services.procedure_advance(actor=lead, procedure=procedure, target=Stage.RFP_ISSUED, reason="RFP sent")
    for name, bid in bids.items():
        services.proposal_document_add(actor=lead, bid=bid, title="Proposal", upload=_pdf(name))
        bids[name] = services.bid_record_submission(actor=lead, bid=bid)
    age_timeline(actor=lead, procedure=procedure, rfp_issue_date=today - timedelta(days=30),
                 question_deadline=today - timedelta(days=20),
                 proposals_due=today - timedelta(days=1), demo_start=today + timedelta(days=5),
                 demo_end=today + timedelta(days=9), target_award_date=today + timedelta(days=30))
    evaluators = [make_user(Role.EVALUATOR, first_name=n, last_name="Reviewer") for n in ("Ines", "Jonas", "Kira")]
    for person in evaluators:
        services.evaluator_assign(actor=lead, procedure=procedure, evaluator=person)
    procedure = services.procedure_advance(actor=lead, procedure=procedure, target=Stage.EVALUATION,
                                           reason="Proposals closed")
    recused = evaluators[2]
    for person in evaluators:
        for name, bid in bids.items():
            conflict = person is recused and name == "Alpha"
            services.conflict_declare(actor=person, bid=bid, has_conflict=conflict,
                                      description="Worked there until last year" if conflict else "")
    declaration = ConflictDeclaration.objects.get(assignment__evaluator=recused, bid=bids["Alpha"])
    services.conflict_review(actor=lead, declaration=declaration, recuse=True, reason="Too close to the vendor")

    criteria = list(Criterion.objects.filter(scorecard=scorecard).order_by("group__position", "position", "pk"))
    for e, person in enumerate(evaluators):
        for name, bid in bids.items():
            if person is recused and name == "Alpha":
                continue
            for c, criterion in enumerate(criteria):
                value = SPLIT.get((name, c), (BASE[name][c],) * 3)[e]
                rationale = "=SUM(A1) looks like a formula" if (name, c, e) == ("Beta", 0, 0) else \
                    f"{person.first_name} on {criterion.name}: seen in the proposal"
                services.score_save(actor=person, bid=bid, criterion=criterion, value=value, rationale=rationale)
        services.scoresheet_submit(actor=person, procedure=procedure)
    services.consensus_record(actor=lead, bid=bids["Beta"], criterion=criteria[0],
                              note="Annex B answers the accuracy question; the panel agreed on 4.5", score="4.5")
    services.consensus_record(actor=lead, bid=bids["Beta"], criterion=criteria[5],
                              note="Discussed the price sheet; the mean stands")
    for name, bid in bids.items():
        failed = name == "Delta"
        services.knockout_decide(actor=lead, knockout=knockout, bid=bid, passed=not failed,
                                 reason="Keeps the right to train on prompts" if failed else "Clause accepted")
    procedure.refresh_from_db()
    procedure.people = {"lead": lead, "owner": business_owner, "evaluators": evaluators, "recused": recused}
    procedure.bid_rows = bids
    return procedure


def _pdf(name):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(f"{name}.pdf", b"%PDF-1.7\n" + name.encode() + b"\n%%EOF", content_type="application/pdf")


def _download(client, user, procedure, fmt="json"):
    client.force_login(user)
    return client.get(reverse(f"awards:decision_record_{fmt}", args=[procedure.reference]))


# --- tests ----------------------------------------------------------------------------------------------------


def test_an_outsider_recomputes_the_ranking_from_the_json_and_it_matches_the_results_page(world, client):
    response = _download(client, world.people["lead"], world)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    record = json.loads(response.content)

    totals, ranked, excluded = recompute_json(record)

    label = {b["key"]: b["label"] for b in record["bids"]}
    assert [label[k] for k in ranked] == ["Beta", "Alpha", "Gamma", "Epsilon"]  # the consensus lifts Beta
    assert [label[k] for k in excluded] == ["Delta"]
    # the record's own ranking (the engine's) agrees exactly, and the results page to display rounding
    assert [r["bid"] for r in record["ranking"]] == ranked
    assert [r["rank"] for r in record["ranking"]] == [1, 2, 3, 4]
    for row in record["ranking"]:
        assert row["total"] == pytest.approx(totals[row["bid"]], abs=1e-9)
    assert [e["bid"] for e in record["excluded"]] == excluded
    page = client.get(reverse("awards:results", args=[world.reference])).content.decode()
    shown = displayed_totals(page)
    assert set(shown) == set(label.values())
    for key, total in totals.items():
        assert abs(float(shown[label[key]]) - total) <= 0.005 + 1e-9
    assert shown["Delta"] == "–"
    assert "decision-record.xlsx" in page  # the lead finds the download on the results page

    # what the numbers rest on: the recused evaluator's absence, the consensus, the tie and the split weights
    weights = {c["key"]: c["weight"] for c in record["criteria"]}
    assert sorted(weights.values()) == [10, 10, 10, 16.67, 20, 33.33] and sum(weights.values()) == pytest.approx(100)
    recused = world.people["recused"].pk
    alpha = next(b["key"] for b in record["bids"] if b["label"] == "Alpha")
    assert not [s for s in record["scores"] if s["evaluator"] == recused and s["bid"] == alpha]
    assert {(d["evaluator"], d["bid"], d["review"]) for d in record["declarations"] if d["has_conflict"]} == {
        (recused, alpha, "recused")}
    assert len(record["scores"]) == 3 * 5 * 6 - 6 and all(s["submitted_at"] and s["rationale"]
                                                          for s in record["scores"])
    assert {c["score"] for c in record["consensus"]} == {4.5, None}
    epsilon = next(r for r in record["ranking"] if r["label"] == "Epsilon")
    assert epsilon["tie_break"]  # the engine explains the tie, the recomputation reproduces it
    assert record["schema_version"] == 2 and record["scope"] == "full"
    assert record["price"] is None  # no price formula, no price schedule
    assert any("mean of the counting evaluator scores" in line for line in record["readme"])
    assert "Delta" in record["excluded"][0]["label"] and record["knockout_decisions"]


def test_the_xlsx_recomputes_the_same_and_neutralises_formulas(world, client):
    record = json.loads(_download(client, world.people["lead"], world).content)
    response = _download(client, world.people["lead"], world, "xlsx")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")

    (totals, ranked, excluded), workbook = recompute_xlsx(response.content)

    assert (totals, ranked, excluded) == recompute_json(record)
    assert [r["bid"] for r in sheet_rows(workbook, "Ranking")] == ranked
    readme = [row[0] for row in workbook["README"].iter_rows(values_only=True)]
    assert any("Weighted total" in line for line in readme) and any("recused" in line for line in readme)
    rationales = [s["rationale"] for s in sheet_rows(workbook, "Scores")]
    assert "'=SUM(A1) looks like a formula" in rationales  # text, not a formula
    assert "=SUM(A1) looks like a formula" in [s["rationale"] for s in record["scores"]]  # the JSON keeps it as is
    assert {"Consensus", "Knockout decisions", "Declarations", "Evaluators", "Criteria", "Groups"} <= set(
        workbook.sheetnames)


def test_who_downloads_what(world, client, auditor, stranger, make_user):
    first, second, third = world.people["evaluators"]

    auditor_record = json.loads(_download(client, auditor, world).content)
    assert auditor_record["scope"] == "full" and auditor_record["ranking"]

    response = _download(client, first, world)
    assert response.status_code == 200
    own = json.loads(response.content)
    assert own["scope"] == "own"
    assert {s["evaluator"] for s in own["scores"]} == {first.pk} and len(own["scores"]) == 5 * 6
    assert [e["id"] for e in own["evaluators"]] == [first.pk]
    assert {d["evaluator"] for d in own["declarations"]} == {first.pk}
    for hidden in ("consensus", "knockout_decisions", "ranking", "excluded", "memo", "signoffs"):
        assert own[hidden] is None
    text = response.content.decode()
    for other in (second, third):
        assert str(other) not in text and "Kira on" not in text and "Jonas on" not in text
    workbook = load_workbook(io.BytesIO(_download(client, first, world, "xlsx").content), read_only=True)
    assert "Ranking" not in workbook.sheetnames and "Consensus" not in workbook.sheetnames
    assert {row["evaluator"] for row in sheet_rows(workbook, "Scores")} == {first.pk}
    grid = client.get(reverse("awards:scoring", args=[world.reference])).content.decode()
    assert "decision-record.json" in grid  # the evaluator finds their copy next to their submitted scores

    recused = json.loads(_download(client, third, world).content)  # recused from Alpha: the other four bids
    assert len(recused["scores"]) == 4 * 6 and {d["review"] for d in recused["declarations"]} == {
        "recused", "not_needed"}

    assert _download(client, world.people["owner"], world).status_code == 403
    assert _download(client, world.people["owner"], world, "xlsx").status_code == 403
    assert _download(client, stranger, world).status_code == 404
    assert _download(client, make_user(Role.EVALUATOR), world).status_code == 404  # not assigned here
    other_lead = make_user(Role.PROCUREMENT_LEAD)
    assert _download(client, other_lead, world).status_code == 403  # sees the procedure, not the raw record
    client.logout()
    assert client.get(reverse("awards:decision_record_json", args=[world.reference])).status_code == 302


def test_a_score_of_an_evaluator_recused_after_scoring_is_listed_and_does_not_count(client):
    from procurement.audit.history import attribute

    procedure = build_scored_procedure(bids=3, criteria=4, evaluators=3)
    declaration = ConflictDeclaration.objects.filter(assignment__procedure=procedure).order_by("pk").first()
    attribute(declaration, actor=procedure.lead, reason="Recused after a late disclosure")
    declaration.review = ConflictDeclaration.Review.RECUSED
    declaration.save()

    record = json.loads(_download(client, procedure.lead, procedure).content)

    late = [s for s in record["scores"] if s["evaluator"] == declaration.assignment.evaluator_id
            and s["bid"] == str(declaration.bid_id)]
    assert late and not any(s["counts"] for s in late)
    totals, ranked, _ = recompute_json(record)
    assert [r["bid"] for r in record["ranking"]] == ranked
    for row in record["ranking"]:
        assert row["total"] == pytest.approx(totals[row["bid"]], abs=1e-9)


def test_queries_stay_bounded_whatever_the_size(client, django_assert_max_num_queries):
    from awards.selectors.decision_record import decision_record

    small = build_scored_procedure(bids=2, criteria=2, evaluators=2)
    large = build_scored_procedure(bids=6, criteria=8, evaluators=5)
    counts = []
    for procedure in (small, large):
        decision_record(procedure, for_user=procedure.lead)  # warm the engine's cache and content types
        with CaptureQueriesContext(connection) as captured:
            decision_record(procedure, for_user=procedure.lead)
        counts.append(len(captured))
    assert counts[0] == counts[1]
    with django_assert_max_num_queries(30):
        record = decision_record(large, for_user=large.lead)
    assert len(record["scores"]) == 6 * 8 * 5


def test_the_memo_snapshot_and_the_sign_offs_with_their_hashes_travel_in_the_record(lead, business_owner, client,
                                                                                    make_user):
    recused = make_user(Role.EVALUATOR)
    shortlist = shortlisted_procedure(lead=lead, business_owner=business_owner, value=Decimal("50000"),
                                      recused_evaluator=recused)
    approver = make_user(Role.COMMITTEE_APPROVER)
    committee(PM, approver, quorum=1)
    committee(RC, make_user(Role.COMMITTEE_APPROVER), make_user(Role.COMMITTEE_APPROVER))
    memo = services.memo_submit(actor=lead, memo=written_memo(shortlist))
    services.signoff_record(actor=approver, memo=memo, decision="approve", password=TEST_PASSWORD)
    memo.refresh_from_db()

    record = json.loads(_download(client, lead, shortlist.procedure).content)

    assert record["memo"]["content_hash"] == memo.content_hash
    version = record["memo"]["versions"][-1]
    assert version["content_hash"] == memo.content_hash and version["scoring_snapshot"]["complete"]
    snapshot_order = [r["bid"] for r in version["scoring_snapshot"]["ranking"]]
    signoff = next(s for s in record["signoffs"] if s["signer"]["id"] == approver.pk)
    assert signoff["content_hash"] == memo.content_hash and signoff["hash_matches_version"]
    assert signoff["decision"] == "approve" and signoff["committee"]
    totals, ranked, _ = recompute_json(record)
    assert ranked == [str(b.pk) for b in shortlist.bids] == snapshot_order
    for row in version["scoring_snapshot"]["ranking"]:
        assert abs(row["total"] - totals[row["bid"]]) <= 0.005
    workbook = load_workbook(io.BytesIO(_download(client, lead, shortlist.procedure, "xlsx").content), read_only=True)
    assert [row["content_hash"] for row in sheet_rows(workbook, "Sign-offs")] == [
        s["content_hash"] for s in record["signoffs"]]
    assert any(row["section"] == "ranking" for row in sheet_rows(workbook, "Memo snapshot"))
    assert Bid.objects.filter(procedure=shortlist.procedure).count() == 3


def test_both_demo_procedures_download_and_recompute(client):
    from awards import demo
    from awards.demo import journey as demo_journey
    from awards.models import AwardProcedure
    from procurement import demo as users_demo
    from vendors import demo as vendors_demo

    out = io.StringIO()
    users = users_demo.seed(out)
    vendors_demo.seed(users=users, stdout=out)
    demo.seed(users=users, stdout=out)

    memo_pdfs = {}
    for title in (demo.TITLE, demo_journey.TITLE):
        procedure = AwardProcedure.objects.get(title=title)
        record = json.loads(_download(client, users["lead"], procedure).content)
        totals, ranked, excluded = recompute_json(record)
        assert ranked and [r["bid"] for r in record["ranking"]] == ranked, title
        assert [e["bid"] for e in record["excluded"]] == excluded
        for row in record["ranking"]:
            assert row["total"] == pytest.approx(totals[row["bid"]], abs=1e-9)
        label = {b["key"]: b["label"] for b in record["bids"]}
        shown = displayed_totals(client.get(reverse("awards:results", args=[procedure.reference])).content.decode())
        for key, total in totals.items():
            assert abs(float(shown[label[key]]) - total) <= 0.005 + 1e-9
        (xlsx_totals, xlsx_ranked, _), _ = recompute_xlsx(_download(client, users["lead"], procedure, "xlsx").content)
        assert xlsx_ranked == ranked and xlsx_totals == totals
        if record["memo"] is not None and record["memo"]["status"] == "approved":
            approved = next(v for v in record["memo"]["versions"] if v["number"] == record["memo"]["current_version"])
            assert [r["bid"] for r in approved["scoring_snapshot"]["ranking"]] == ranked
            for row in approved["scoring_snapshot"]["ranking"]:
                assert abs(row["total"] - totals[row["bid"]]) <= 0.005
            assert record["signoffs"] and {s["content_hash"] for s in record["signoffs"]} == {approved["content_hash"]}
            memo_pdfs[title] = _check_memo_pdf(procedure, record, totals, ranked)
    assert AwardProcedure.objects.get(title=demo_journey.TITLE).stage == Stage.AWARDED
    # The journey's memo is the approved one; the main demo procedure stops before its memo is approved, so its
    # PDF (if ever rendered) would show a live draft, not an approved ranking.
    assert set(memo_pdfs) == {demo_journey.TITLE}
    assert AwardProcedure.objects.get(title=demo.TITLE).stage != Stage.AWARDED


def _pdf_text(content: bytes) -> tuple[str, int]:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages), len(reader.pages)


def _check_memo_pdf(procedure, record, totals, ranked) -> int:
    """Render the approved memo's PDF (the document task, run here in-process) and read it back: every ranked
    bid appears in the scoring summary with its rank and its total as the independent recomputation gives them
    (to the 2 decimals the PDF prints); knocked-out bids have no row; the page count is sane."""
    from awards.models import DecisionMemo
    from procurement.documents.models import RenderedDocument
    from procurement.documents.services import document_render, document_request

    memo = DecisionMemo.objects.get(procedure=procedure)
    doc = document_request(kind="award_memo", source=memo, actor=None, reason="Test: read the memo PDF back")
    document_render(document_id=doc.pk)
    doc = RenderedDocument.objects.get(pk=doc.pk)
    assert doc.status == "ready", doc.error
    with doc.file.open("rb") as handle:
        text, pages = _pdf_text(handle.read())
    assert 2 <= pages <= 30, pages
    assert memo.content_hash in text.replace("\n", "")

    summary = text.split("Scoring summary", 1)[1]
    summary = summary.split("Ranking and group scores", 1)[1].split("Knockouts", 1)[0]
    flat = " ".join(summary.split())
    label = {b["key"]: b["label"] for b in record["bids"]}
    printed = []
    for rank, key in enumerate(ranked, start=1):
        name = " ".join(label[key].split())
        found = re.search(rf"(?:^| )(\d+) {re.escape(name)}(?: recommended)? (\d+\.\d\d)(?: |$)", flat)
        assert found, f"{name} not found with a rank and a total in the PDF's ranking: {flat}"
        assert int(found.group(1)) == rank, (name, found.group(1), rank)
        assert abs(float(found.group(2)) - totals[key]) <= 0.005 + 1e-9, (name, found.group(2), totals[key])
        printed.append((found.start(), key))
    assert [key for _, key in sorted(printed)] == ranked  # printed in rank order
    for excluded in record["excluded"]:
        assert not re.search(rf"\d+ {re.escape(' '.join(excluded['label'].split()))}(?: recommended)? \d+\.\d\d",
                             flat), excluded
    return pages
