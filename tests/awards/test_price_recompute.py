"""Price in the decision record (issue 20): an outsider recomputes every bid's total cost, its base-currency value,
its price score, the weighted totals and the ranking from the JSON alone, with arithmetic written here.

The recomputation below imports nothing from awards (no pricing, scoring, results or selectors): it reads the
record's sections and follows the words of its `formula`. The world is built through Baton's services (as a lead
would), with bids priced in three currencies and exchange rates recorded before and after proposals-due (only the
one in force on proposals-due may be used).
"""

from __future__ import annotations

import io
import json
import re
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal
from fractions import Fraction
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from awards import services
from awards.models import Requirement
from awards.models.procedure import Stage
from awards.models.scorecard import Criterion, Knockout
from awards.services.price_assumptions import bid_price_record, volume_assumption_add
from awards.services.scorecard import scorecard_set_price
from procurement.accounts.roles import Role
from procurement.exceptions import DomainError
from procurement.exchange_rates import exchange_rate_record
from tests.factories.accounts import UserFactory
from tests.factories.scorecards import cover_musts
from tests.factories.timeline import age_timeline
from tests.factories.vendors import VendorFactory

pytestmark = pytest.mark.django_db

# --- the independent recomputation (plain Python, from the record alone) --------------------------------------


def line_total(line, term):
    amount = Fraction(line["amount"])
    if line["kind"] == "one_off":
        return amount
    if line["kind"] == "recurring":
        return amount * term if line["period"] == "month" else amount * term / 12
    return amount * Fraction(line["monthly_volume"]) * term


def recompute(record):
    """(price totals by bid key, base totals, price scores, weighted totals, ranked bid keys)."""
    price = record["price"]
    scale = Fraction(record["scale"])
    totals = {b["bid"]: sum((line_total(line, b["term_months"]) for line in b["lines"]), Fraction(0))
              for b in price["bids"] if b["lines"]}
    base = {key: total * Fraction(next(b for b in price["bids"] if b["bid"] == key)["rate"]["rate"])
            for key, total in totals.items()}
    failed = {d["bid"] for d in record["knockout_decisions"] if d["passed"] is False}
    failed |= {b["key"] for b in record["bids"] if b["status"] == "knocked_out"}
    counted = {key: value for key, value in base.items() if key not in failed}
    lowest = min(counted.values())
    if price["formula"] == "lowest_ratio":
        scores = {key: scale * lowest / value for key, value in counted.items()}
    else:
        ceiling = Fraction(price["ceiling"])
        scores = {key: (Fraction(0) if value >= ceiling else scale * (ceiling - value) / (ceiling - lowest))
                  for key, value in counted.items()}

    may_count = {(d["evaluator"], d["bid"]) for d in record["declarations"] if d["review"] in ("not_needed",
                                                                                                "accepted")}
    values = defaultdict(list)
    for s in record["scores"]:
        if (s["evaluator"], s["bid"]) in may_count:
            values[(s["bid"], s["criterion"])].append(Fraction(str(s["value"])))
    agreed = {(c["bid"], c["criterion"]): Fraction(str(c["score"])) for c in record["consensus"]
              if c["score"] is not None}
    weighted, rows = {}, {}
    for bid in record["bids"]:
        key = bid["key"]
        if key in failed:
            continue
        row = {}
        for c in record["criteria"]:
            cell = (key, c["key"])
            if c["key"] == price["criterion"]:
                row[c["key"]] = scores.get(key, Fraction(0))
            elif cell in agreed:
                row[c["key"]] = agreed[cell]
            elif values.get(cell):
                row[c["key"]] = sum(values[cell]) / len(values[cell])
            else:
                row[c["key"]] = Fraction(0)
        rows[key] = row
        weighted[key] = sum(Fraction(str(c["weight"])) * row[c["key"]] / scale for c in record["criteria"])
    heaviest = [c["key"] for c in sorted(record["criteria"], key=lambda c: (-c["weight"], c["order"]))]
    labels = {b["key"]: b["label"] for b in record["bids"]}

    def order(key):
        return (-round(float(weighted[key]), 9), tuple(-round(float(rows[key][c]), 9) for c in heaviest),
                labels[key].casefold(), labels[key], key)

    return totals, base, scores, weighted, sorted(weighted, key=order)


def displayed_totals(html: str) -> dict[str, str]:
    section = html.split('id="ranking"', 1)[1].split("</table>", 1)[0]
    shown = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", section, flags=re.S)[1:]:
        cells = [re.sub(r"<[^>]+>", " ", c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)]
        shown[unescape(cells[1]).split("\n")[0].strip()] = unescape(cells[2]).strip()
    return shown


# --- the world ------------------------------------------------------------------------------------------------

TERM = 30  # months: two and a half years, so a yearly price counts pro rata
SCHEDULES = {
    "Alpha": {"currency": "EUR", "lines": [
        {"kind": "one_off", "label": "Onboarding", "amount": "12000"},
        {"kind": "recurring", "label": "Platform", "amount": "3000", "period": "month"},
        {"kind": "usage", "label": "Input tokens", "amount": "2.50", "assumption": "input-tokens"}]},
    "Beta": {"currency": "USD", "lines": [
        {"kind": "one_off", "label": "Set-up", "amount": "5000"},
        {"kind": "recurring", "label": "Licence", "amount": "30000", "period": "year"},
        {"kind": "usage", "label": "Tokens", "amount": "2", "assumption": "input-tokens"}]},
    "Gamma": {"currency": "GBP", "lines": [
        {"kind": "recurring", "label": "Subscription", "amount": "2500", "period": "month"},
        {"kind": "usage", "label": "Tokens", "amount": "1.2", "assumption": "input-tokens"}]},
    "Delta": {"currency": "EUR", "lines": [{"kind": "one_off", "label": "Everything", "amount": "1000"}]},
}
# Evaluator scores on (accuracy, integration) per bid, both evaluators alike except Beta's accuracy.
QUALITY = {"Alpha": (4, 3), "Beta": (3, 4), "Gamma": (5, 2.5), "Delta": (5, 5)}


@pytest.fixture
def world(lead, business_owner, make_user):
    procedure = services.procedure_create(
        actor=lead, submission="recorded", title="Coding assistant", need_statement="Help our developers.",
        business_owner=business_owner, category="ai_saas", estimated_value=Decimal("250000"), currency="EUR",
        term_months=TERM)
    today = timezone.localdate()
    services.procedure_set_timeline(actor=lead, procedure=procedure, rfp_issue_date=today,
                                    question_deadline=today + timedelta(days=10),
                                    proposals_due=today + timedelta(days=25), demo_start=today + timedelta(days=26),
                                    demo_end=today + timedelta(days=30), target_award_date=today + timedelta(days=45))
    services.procedure_advance(actor=lead, procedure=procedure, target=Stage.REQUIREMENTS, reason="Need agreed")
    requirement = services.requirement_add(actor=lead, procedure=procedure, title="Works in our IDE",
                                           priority=Requirement.Priority.MUST)
    services.requirement_agree(actor=business_owner, requirement=requirement)
    bids = {name: services.bid_invite(actor=lead, procedure=procedure,
                                      vendor=VendorFactory(legal_name=f"{name} AI Ltd", trading_name=name))
            for name in SCHEDULES}
    procedure.refresh_from_db()
    scorecard = services.scorecard_create(actor=lead, procedure=procedure)
    quality = services.group_add(actor=lead, scorecard=scorecard, name="Quality", weight=60)
    services.criterion_add(actor=lead, group=quality, name="Accuracy", share=2)
    services.criterion_add(actor=lead, group=quality, name="Integration", share=1)
    cost = services.group_add(actor=lead, scorecard=scorecard, name="Cost", weight=40)
    price_criterion = services.criterion_add(actor=lead, group=cost, name="Total cost", share=1)
    knockout = services.knockout_add(actor=lead, scorecard=scorecard, name="No training on our data",
                                     kind=Knockout.Kind.MANUAL)
    cover_musts(scorecard, actor=lead)
    scorecard_set_price(actor=lead, scorecard=scorecard, formula="lowest_ratio", criterion=price_criterion)
    volume_assumption_add(actor=lead, procedure=procedure, key="input-tokens", label="Input tokens",
                          unit="million tokens", monthly_volume="50")
    services.procedure_advance(actor=lead, procedure=procedure, target=Stage.RFP_ISSUED, reason="RFP sent")
    for name, bid in bids.items():
        services.proposal_document_add(actor=lead, bid=bid, title="Proposal", upload=_pdf(name))
        bids[name] = services.bid_record_submission(actor=lead, bid=bid)
    age_timeline(actor=lead, procedure=procedure, rfp_issue_date=today - timedelta(days=30),
                 question_deadline=today - timedelta(days=20), proposals_due=today - timedelta(days=2),
                 demo_start=today + timedelta(days=5), demo_end=today + timedelta(days=9),
                 target_award_date=today + timedelta(days=30))
    administrator = UserFactory(is_superuser=True, is_staff=True)
    for currency, value, day in (("USD", "0.9", today - timedelta(days=10)), ("USD", "0.5", today),
                                 ("GBP", "1.15", today - timedelta(days=40))):
        exchange_rate_record(actor=administrator, currency=currency, rate=value, valid_from=day,
                             source="Central bank fixing", reason="Monthly fixing")
    for name, bid in bids.items():
        bid_price_record(actor=lead, bid=bid, schedule=SCHEDULES[name])
    evaluators = [make_user(Role.EVALUATOR, first_name=n, last_name="Reviewer") for n in ("Ines", "Jonas")]
    for person in evaluators:
        services.evaluator_assign(actor=lead, procedure=procedure, evaluator=person)
    procedure = services.procedure_advance(actor=lead, procedure=procedure, target=Stage.EVALUATION,
                                           reason="Proposals closed")
    criteria = [c for c in Criterion.objects.filter(scorecard=scorecard).order_by("group__position", "position")
                if not c.price_scored]
    for e, person in enumerate(evaluators):
        for name, bid in bids.items():
            services.conflict_declare(actor=person, bid=bid, has_conflict=False)
            for c, criterion in enumerate(criteria):
                value = QUALITY[name][c] if (name, c, e) != ("Beta", 0, 1) else 4
                services.score_save(actor=person, bid=bid, criterion=criterion, value=value,
                                    rationale=f"{person.first_name}: seen in the proposal")
        services.scoresheet_submit(actor=person, procedure=procedure)
    services.consensus_record(actor=lead, bid=bids["Gamma"], criterion=criteria[1],
                              note="The panel agreed the plug-in covers our IDE", score="3")
    for name, bid in bids.items():
        services.knockout_decide(actor=lead, knockout=knockout, bid=bid, passed=name != "Delta",
                                 reason="Trains on prompts" if name == "Delta" else "Clause accepted")
    procedure.refresh_from_db()
    procedure.bid_rows, procedure.evaluators_list, procedure.price_criterion = bids, evaluators, price_criterion
    return procedure


def _pdf(name):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(f"{name}.pdf", b"%PDF-1.7\n" + name.encode() + b"\n%%EOF", content_type="application/pdf")


# --- tests ----------------------------------------------------------------------------------------------------


def test_the_price_scores_and_ranking_recompute_from_the_json_alone(world, client, lead):
    client.force_login(lead)
    response = client.get(reverse("awards:decision_record_json", args=[world.reference]))
    assert response.status_code == 200
    record = json.loads(response.content)
    assert record["schema_version"] == 2
    assert record["price"]["formula"] == "lowest_ratio" and record["price"]["criterion"] == "total-cost"
    assert record["price"]["rate_day"] == (timezone.localdate() - timedelta(days=2)).isoformat()

    totals, base, scores, weighted, ranked = recompute(record)

    key = {name: str(bid.pk) for name, bid in world.bid_rows.items()}
    # by hand: Alpha 12,000 + 3,000 × 30 + 2.50 × 50 × 30 = 105,750 EUR; Beta 5,000 + 30,000 × 2.5 + 2 × 50 × 30
    # = 83,000 USD at 0.9 (the rate in force on proposals-due, not today's 0.5) = 74,700 EUR; Gamma 2,500 × 30 +
    # 1.2 × 50 × 30 = 76,800 GBP at 1.15 = 88,320 EUR.
    assert totals[key["Alpha"]] == 105750 and base[key["Alpha"]] == 105750
    assert totals[key["Beta"]] == 83000 and base[key["Beta"]] == 74700
    assert totals[key["Gamma"]] == 76800 and base[key["Gamma"]] == 88320
    # Delta is the cheapest but knocked out: it does not set the lowest price and has no price score
    assert key["Delta"] not in scores
    assert scores[key["Beta"]] == 5
    assert scores[key["Alpha"]] == Fraction(5 * 74700, 105750)

    by_bid = {b["bid"]: b for b in record["price"]["bids"]}
    for bid_key, total in totals.items():
        assert Fraction(by_bid[bid_key]["total"]) == total
        assert Fraction(by_bid[bid_key]["base_total"]) == base[bid_key]
    for bid_key, score in scores.items():
        assert abs(Fraction(by_bid[bid_key]["score"]) - score) < Fraction(1, 10**20)  # a division: 28 digits
    # the engine's ranking (as the results page shows it) agrees exactly
    assert [r["bid"] for r in record["ranking"]] == ranked
    for row in record["ranking"]:
        assert abs(row["total"] - float(weighted[row["bid"]])) < 1e-9
        assert row["score_sources"]["total-cost"] == "computed"
        assert abs(row["criterion_scores"]["total-cost"] - float(scores[row["bid"]])) < 1e-9
    # the workbook carries the same price inputs and totals
    workbook = load_workbook(io.BytesIO(client.get(reverse("awards:decision_record_xlsx",
                                                           args=[world.reference])).content), read_only=True)
    sheet = list(workbook["Price totals"].iter_rows(values_only=True))
    rows = [dict(zip(sheet[0], row, strict=True)) for row in sheet[1:]]
    assert {r["bid"]: Fraction(r["total"]) for r in rows if r["total"]} == totals
    assert len(list(workbook["Price lines"].iter_rows())) == 1 + sum(len(b["lines"]) for b in record["price"]["bids"])
    # and the results page, to display rounding
    page = client.get(reverse("awards:results", args=[world.reference])).content.decode()
    shown = displayed_totals(page)
    labels = {b["key"]: b["label"] for b in record["bids"]}
    for bid_key in ranked:
        assert shown[labels[bid_key]] == f"{float(weighted[bid_key]):.2f}"


def test_nobody_scores_the_price_criterion_by_hand(world, client):
    evaluator = world.evaluators_list[0]
    services.scoresheet_reopen(actor=world.lead, sheet=evaluator.score_sheets.get(), reason="One more look")
    client.force_login(evaluator)
    page = client.get(reverse("awards:scoring", args=[world.reference])).content.decode()
    assert "Price: Total cost (weight 40)" in page  # everyone who scores sees the formula and its weight
    assert "every other bid gets 5 × lowest total ÷ its own total" in page
    alpha = world.bid_rows["Alpha"].pk
    accuracy = Criterion.objects.get(scorecard__procedure=world, key="accuracy")
    assert f'id="v-{alpha}-{accuracy.pk}"' in page and f'id="v-{alpha}-{world.price_criterion.pk}"' not in page
    with pytest.raises(DomainError, match="price formula"):
        services.score_save(actor=evaluator, bid=world.bid_rows["Alpha"], criterion=world.price_criterion,
                            value="5", rationale="Cheap")
    with pytest.raises(DomainError, match="price formula"):
        services.consensus_record(actor=world.lead, bid=world.bid_rows["Alpha"], criterion=world.price_criterion,
                                  note="Cheap", score="5")
    assert not world.price_criterion.scores.exists()
