"""The decision record of an award procedure (issue 17): everything the ranking rests on, in plain data.

Public interface:

    record_scope(user, procedure) -> "full" | "own" | None
        "full" for the procedure's lead, auditors and superusers once scoring has closed (the rule of who reads
        every evaluator's reasons: awards.policies.reads_rationales); "own" for an assigned evaluator (their own
        submitted scores and declarations, nobody else's, whatever became of the bids since: an evaluator keeps
        their copy after the award); None for everybody else who sees the procedure (business owner, other
        leads, committee members), and for the lead while scoring is open: the view answers 403 or 409.
    decision_record(procedure, *, for_user) -> dict
        A JSON-serialisable dict (see SCHEMA_VERSION): the procedure, the scale, criterion groups and criteria
        with their weights, bids, evaluators, every submitted score with its rationale and time, consensus
        values with their notes, knockouts and their decisions per bid, conflict declarations and recusals, the
        memo's frozen versions (scoring snapshot, content hash) and the sign-offs with the hash each signed,
        and the ranking Baton's engine computed (as the results page shows it), for cross-checking. ``readme``
        and ``formula`` state, in words, how to recompute every total and the ranking from the other sections.
        Sections an evaluator may not see are ``None`` (an empty list means "there are none").
        ``price`` (schema 2, full scope): the price formula, its ceiling and scale, the price-scored criterion and
        its weight, the volume assumptions, and per admitted bid its price lines, currency, term, the exchange
        rate used and the totals and price score Baton computed (amounts as decimal strings, exact).
        The number of queries does not grow with bids, criteria, evaluators or scores.

Sections are keyed consistently: a bid by ``key`` (the string of its id, as the engine keys it), a criterion,
group and knockout by its ``key``, a person by ``id``. Times are ISO 8601; numbers are JSON numbers (scores have
at most one decimal, weights two).
"""

from __future__ import annotations

from django.utils import timezone

from awards import results as results_module
from awards import scoring
from awards.models import (
    ApprovalRoute,
    ConflictDeclaration,
    DecisionMemo,
    EvaluatorAssignment,
    MemoVersion,
    SignOff,
)
from awards.models.scorecard import Score
from awards.policies import reads_rationales
from procurement.authz import is_active_user

SCHEMA_VERSION = 2  # 2: the price section (issue 20)
FULL, OWN = "full", "own"
COUNTING_REVIEWS = tuple(str(r) for r in ConflictDeclaration.MAY_OPEN)  # "not_needed", "accepted"
COMPARE_PLACES = 9  # the engine compares totals and scores rounded to this many decimals

__all__ = ["FULL", "OWN", "SCHEMA_VERSION", "decision_record", "record_scope"]


def record_scope(user, procedure) -> str | None:
    if not is_active_user(user):
        return None
    if reads_rationales(user, procedure):
        return FULL
    if EvaluatorAssignment.objects.filter(procedure=procedure, evaluator=user).exists():
        return OWN
    return None


# --- small converters -----------------------------------------------------------------------------------------


def _time(value):
    return value.isoformat() if value is not None else None


def _num(value):
    return None if value is None else float(value)


def _person(user):
    return None if user is None else {"id": user.pk, "name": str(user)}


def _person_id(user):
    return None if user is None else user.pk


# --- the words ------------------------------------------------------------------------------------------------


def _formula(scale) -> dict:
    return {
        "scale": scale,
        "total_weight": 100,
        "compare_places": COMPARE_PLACES,
        "counting_reviews": list(COUNTING_REVIEWS),
        "weights": ("Each criterion group carries points out of 100. Inside a group the points are split among "
                    "its criteria in proportion to their shares and rounded to 0.01 by the largest-remainder "
                    "method, so each group's criteria add up to the group's points and all criteria add up to "
                    "exactly 100. The result is each criterion's 'weight'; recompute with it as given."),
        "counted_scores": ("Only scores on submitted score sheets are in this record. An evaluator's score on a "
                           "bid counts only while that evaluator's conflict declaration for that bid has the "
                           "review 'not_needed' (no conflict) or 'accepted' (conflict accepted by the lead). The "
                           "score of a recused evaluator, or of one whose conflict awaits review, is listed but "
                           "does not count ('counts' is false)."),
        "criterion_score": ("A bid's criterion score is the consensus score where the panel recorded one; "
                            "otherwise the arithmetic mean of the counting evaluator scores. A consensus note "
                            "without a score changes nothing. With neither, the criterion is missing: it adds 0 "
                            "to the total and the ranking is provisional. The exception is the price-scored "
                            "criterion (see 'price'): nobody scores it; its score is the price score computed from "
                            "the bid's total cost by the price formula, and a bid without one has it missing."),
        "weighted_total": (f"Weighted total = sum over all criteria of weight x criterion score / S (S = {scale}), "
                           "on 0 to 100. Nothing is rounded before ranking; totals are shown to 2 decimals."),
        "knockouts": ("Knockouts are pass/fail and decided before weighted scoring. A bid with at least one "
                      "knockout decided 'fail' (passed = false), or that the lead knocked out directly (bid status "
                      "'knocked_out'), is excluded from the ranking and has no total. An undecided knockout does "
                      "not exclude a bid but makes the ranking provisional."),
        "price": _price_words(),
        "tie_break": [
            "higher weighted total (totals compared rounded to 9 decimals);",
            "then the higher criterion score on the heaviest criterion, then on the next heaviest, and so on "
            "through every criterion (criteria of equal weight in the order listed, see 'order');",
            "then the bid label, alphabetically ignoring case, then exactly;",
            "then the bid key.",
        ],
    }


def _readme(procedure, scope: str, formula: dict, generated_at, user) -> list[str]:
    lines = [
        f"Decision record of {procedure.reference} {procedure.title}.",
        f"Schema version {SCHEMA_VERSION}; generated {generated_at} for {user}.",
    ]
    if scope == OWN:
        lines.append("Scope: your own submitted scores and conflict declarations only. The other evaluators' "
                     "scores, the consensus, the knockout decisions, the ranking, the memo and the sign-offs "
                     "are not part of this copy (they are null in the JSON and absent from the workbook).")
    else:
        lines.append("Scope: the complete record: every submitted score of every evaluator with its rationale, "
                     "the consensus values with their notes, the weights, the knockouts and their decisions, the "
                     "conflict declarations and recusals, the memo's frozen scoring summary and the sign-offs "
                     "with the hash each signed.")
    lines += [
        f"Scale: every score lies between 0 and S = {formula['scale']}.",
        "Bids: only admitted bids are scored (proposal received on time or admitted late; not declined).",
        "Weights: " + formula["weights"],
        "Which scores count: " + formula["counted_scores"],
        "Criterion score: " + formula["criterion_score"],
        "Weighted total: " + formula["weighted_total"],
        "Knockouts: " + formula["knockouts"],
        "Price: " + " ".join(formula["price"].values()),
        "Ranking of the remaining bids: " + " ".join(formula["tie_break"]),
        "Cross-check: the ranking section holds the totals and ranks Baton's scoring engine computed, as the "
        "results page shows them; recomputing from the other sections with the rules above gives the same "
        "numbers.",
        "Memo: each submitted version freezes the scoring summary (snapshot) and is identified by the sha256 "
        "content hash the approvers sign; each sign-off lists the hash it was given for.",
        "Spreadsheet cells whose text begins with =, +, -, @ or a tab carry a leading apostrophe so that no "
        "formula runs; drop it to read the original text.",
    ]
    return lines


def _price_words() -> dict:
    return {
        "total": ("A bid's total cost over the term, in the bid's currency, is the sum of its price lines: a "
                  "one-off line counts its amount once; a recurring line 'month' counts amount x term_months; a "
                  "recurring line 'year' counts amount x term_months / 12 (a part year pro rata); a usage line "
                  "counts amount (the unit price) x the assumption's monthly_volume x term_months. Nothing is "
                  "rounded."),
        "rate": ("The base-currency total is the total x rate, where rate is the exchange rate recorded for the "
                 "bid's currency with the latest valid_from on or before rate_day (the procedure's proposals-due "
                 "date); the base currency itself converts at 1. Nothing is rounded."),
        "counted": ("The formula compares the bids whose 'counted' is true: admitted, not knocked out, with a "
                    "price schedule and a rate. 'lowest' is the smallest base-currency total among them."),
        "lowest_ratio": ("lowest_ratio: price score = S x lowest / the bid's base-currency total. If the lowest "
                         "is 0, a bid at 0 scores S and any other bid 0."),
        "linear": ("linear: price score = S x (ceiling - total) / (ceiling - lowest), and 0 at or above the "
                   "ceiling. A ceiling at or below the lowest total cannot score: no bid has a price score."),
        "amounts": ("Amounts, rates and price scores are given as decimal strings. Totals are exact; a price score "
                    "is a division, carried to 28 significant digits."),
    }


def _dec(value):
    return None if value is None else f"{value:f}"


def _price_section(procedure, data) -> dict | None:
    """The price inputs and Baton's price arithmetic, for cross-checking (issue 20)."""
    from awards.models import VolumeAssumption
    from awards.selectors.price import rate_day
    from procurement.money import base_currency

    price = data.price
    criterion = data.price_criterion
    card = data.scorecard
    if card is None or (price is None and not card.price_formula):
        return None
    counted = set(price.counted) if price else set()
    return {
        "formula": card.price_formula, "formula_label": card.get_price_formula_display(),
        "ceiling": _dec(card.price_ceiling), "scale": card.scale,
        "criterion": criterion.key if criterion else None,
        "weight": _num(data.weights.get(criterion.key)) if criterion else None,
        "base_currency": base_currency(), "term_months": procedure.term_months,
        "rate_day": _time(rate_day(procedure)),
        "assumptions": [{"key": a.key, "label": a.label, "unit": a.unit, "monthly_volume": _dec(a.monthly_volume)}
                        for a in VolumeAssumption.objects.filter(procedure=procedure).order_by("position", "pk")],
        "bids": [] if price is None else [{
            "bid": str(c.bid.pk), "currency": c.currency or None, "term_months": procedure.term_months,
            "lines": [{"kind": line.kind, "label": line.label, "amount": _dec(line.amount),
                       "period": line.period or None,
                       "assumption": line.assumption.key if line.assumption_id else None,
                       "monthly_volume": _dec(line.assumption.monthly_volume) if line.assumption_id else None}
                      for line in c.lines],
            "rate": None if c.rate is None else {"currency": c.rate.currency, "rate": _dec(c.rate.rate),
                                                 "valid_from": _time(c.rate.valid_from)},
            "total": _dec(c.total), "base_total": _dec(c.base_total), "counted": c.bid.pk in counted,
            "score": _dec(price.scores.get(c.bid.pk)), "problem": c.problem or None,
        } for c in price.costs],
        "problems": list(price.problems) if price else [],
    }


# --- the record -----------------------------------------------------------------------------------------------


def decision_record(procedure, *, for_user) -> dict:
    scope = record_scope(for_user, procedure)
    if scope is None:
        raise PermissionError("This user may not read the decision record of this procedure.")
    full = scope == FULL
    data = results_module.procedure_results(procedure)
    scorecard = data.scorecard
    scale = scorecard.scale if scorecard else None
    generated_at = timezone.now().isoformat()
    formula = _formula(scale)

    group_by_id = {g.pk: g for g in data.groups}
    criterion_by_id = {c.pk: c for c in data.criteria}
    bid_by_id = {b.pk: b for b in data.bids}
    knockout_by_id = {k.pk: k for k in data.knockouts}
    sheet_by_id = {s.pk: s for s in data.sheets}

    # Every assignment, unassigned ones too (their submitted sheets stay in the record, with the reason), and
    # every version of every declaration: the ones in force count, the superseded ones are listed beside them.
    assignments = list(EvaluatorAssignment.all_objects.filter(procedure=procedure)
                       .select_related("evaluator", "unassigned_by").prefetch_related("groups"))
    all_declarations = list(ConflictDeclaration.all_objects.filter(assignment__procedure=procedure)
                            .select_related("reviewed_by").order_by("assignment_id", "bid_id", "pk"))
    evaluator_of_assignment = {a.pk: a.evaluator_id for a in assignments}
    if not full:
        assignments = [a for a in assignments if a.evaluator_id == for_user.pk]
        all_declarations = [d for d in all_declarations
                            if evaluator_of_assignment.get(d.assignment_id) == for_user.pk]
    declarations = [d for d in all_declarations if d.in_force]
    superseded = [d for d in all_declarations if not d.in_force]
    review_of = {(evaluator_of_assignment[d.assignment_id], d.bid_id): d.review for d in declarations}

    scores = []
    if scorecard is not None:
        rows = Score.objects.filter(criterion__scorecard=scorecard, sheet__submitted_at__isnull=False)
        if not full:
            rows = rows.filter(sheet__evaluator=for_user)
        for sheet_id, bid_id, criterion_id, value, rationale, changed in rows.order_by(
                "sheet__evaluator_id", "bid_id", "criterion_id").values_list(
                "sheet_id", "bid_id", "criterion_id", "value", "rationale", "updated_at"):
            sheet = sheet_by_id.get(sheet_id)
            if sheet is None or bid_id not in bid_by_id:
                continue  # a bid no longer admitted (declined) is not scored
            review = review_of.get((sheet.evaluator_id, bid_id))
            scores.append({
                "evaluator": sheet.evaluator_id, "bid": str(bid_id), "criterion": criterion_by_id[criterion_id].key,
                "value": _num(value), "rationale": rationale, "submitted_at": _time(sheet.submitted_at),
                "last_changed_at": _time(changed), "declaration_review": review,
                "counts": review in COUNTING_REVIEWS,
            })

    # People: evaluators by assignment, plus anyone with a sheet (an assignment removed after scoring).
    sheets = [s for s in data.sheets if full or s.evaluator_id == for_user.pk]
    sheet_of = {s.evaluator_id: s for s in sheets}
    evaluators = []
    seen = set()
    for assignment in assignments:
        person, sheet = assignment.evaluator, sheet_of.get(assignment.evaluator_id)
        seen.add(person.pk)
        evaluators.append({"id": person.pk, "name": str(person), "assigned": assignment.is_current,
                           "criterion_groups": assignment.group_label,
                           "sheet_submitted_at": _time(sheet.submitted_at) if sheet else None,
                           "unassigned_at": _time(assignment.unassigned_at),
                           "unassigned_by": _person_id(assignment.unassigned_by),
                           "unassign_reason": assignment.unassign_reason})
    for sheet in sheets:
        if sheet.evaluator_id not in seen:
            evaluators.append({"id": sheet.evaluator_id, "name": str(sheet.evaluator), "assigned": False,
                               "criterion_groups": "", "sheet_submitted_at": _time(sheet.submitted_at),
                               "unassigned_at": None, "unassigned_by": None, "unassign_reason": ""})

    if full:
        shown_bids = data.bids
    else:
        mine = {d.bid_id for d in declarations} | {int(s["bid"]) for s in scores}
        shown_bids = [b for b in data.bids if b.pk in mine]
    bids = [{"key": str(b.pk), "id": b.pk, "label": str(b.vendor), "vendor": b.vendor.legal_name,
             "status": b.status, "status_reason": b.status_reason if full else None,
             "submitted_at": _time(b.submitted_at), "late_decision": b.late_decision} for b in shown_bids]
    bid_keys = {str(b.pk) for b in shown_bids}

    groups = [{"key": g.key, "name": g.name, "weight": _num(g.weight), "order": i}
              for i, g in enumerate(data.groups)]
    criteria = [{"key": c.key, "name": c.name, "group": group_by_id[c.group_id].key if c.group_id in group_by_id
                 else "", "share": _num(c.share), "weight": _num(data.weights.get(c.key)), "order": i,
                 "description": c.description}
                for i, c in enumerate(data.criteria)]

    record = {
        "schema_version": SCHEMA_VERSION,
        "scope": scope,
        "generated_at": generated_at,
        "generated_for": _person(for_user),
        "readme": _readme(procedure, scope, formula, generated_at, for_user),
        "formula": formula,
        "procedure": {"reference": procedure.reference, "title": procedure.title, "stage": procedure.stage,
                      "category": procedure.category, "currency": procedure.currency,
                      "estimated_value": _num(procedure.estimated_value),
                      "lead": _person(procedure.lead), "business_owner": _person(procedure.business_owner),
                      "target_award_date": _time(procedure.target_award_date)},
        "scale": scale,
        "weight_problems": list(data.problems),
        "groups": groups,
        "criteria": criteria,
        "knockouts": [{"key": k.key, "name": k.name, "kind": k.kind, "description": k.description}
                      for k in data.knockouts],
        "bids": bids,
        "evaluators": evaluators,
        "scores": scores,
        "declarations": [{
            "evaluator": evaluator_of_assignment[d.assignment_id], "bid": str(d.bid_id),
            "has_conflict": d.has_conflict, "description": d.description, "review": d.review,
            "review_label": d.get_review_display(), "review_reason": d.review_reason,
            "reviewed_by": _person_id(d.reviewed_by), "reviewed_at": _time(d.reviewed_at),
            "declared_at": _time(d.created_at), "counts": d.review in COUNTING_REVIEWS,
            "supersedes": d.supersedes_id,
        } for d in declarations if str(d.bid_id) in bid_keys or full],
        # Earlier versions of revised declarations: kept for the record, never counted.
        "superseded_declarations": [{
            "id": d.pk, "evaluator": evaluator_of_assignment[d.assignment_id], "bid": str(d.bid_id),
            "has_conflict": d.has_conflict, "description": d.description, "review": d.review,
            "review_label": d.get_review_display(), "review_reason": d.review_reason,
            "declared_at": _time(d.created_at), "superseded_at": _time(d.superseded_at),
            "supersedes": d.supersedes_id, "counts": False,
        } for d in superseded if str(d.bid_id) in bid_keys or full],
        "consensus": None,
        "knockout_decisions": None,
        "ranking": None,
        "excluded": None,
        "provisional_reasons": None,
        "memo": None,
        "signoffs": None,
        "price": None,
    }
    if not full:
        return record

    record["consensus"] = [{
        "bid": str(bid_id), "criterion": criterion_by_id[criterion_id].key, "score": _num(note.score),
        "note": note.note, "recorded_by": _person_id(note.recorded_by), "recorded_at": _time(note.updated_at),
    } for (bid_id, criterion_id), note in sorted(data.notes.items())
        if bid_id in bid_by_id and criterion_id in criterion_by_id]
    record["knockout_decisions"] = [{
        "knockout": knockout_by_id[knockout_id].key, "bid": str(bid_id), "passed": d.passed,
        "proposed": d.proposed, "proposal_basis": d.proposal_basis, "reason": d.reason,
        "decided_by": _person_id(d.decided_by), "decided_at": _time(d.decided_at),
    } for (knockout_id, bid_id), d in sorted(data.decisions.items())
        if bid_id in bid_by_id and knockout_id in knockout_by_id]
    result = data.result
    if result is not None:
        record["ranking"] = [{
            "rank": b.rank, "bid": b.key, "label": b.label, "total": b.total,
            "total_display": scoring.format_number(b.total),
            "criterion_scores": dict(b.scores), "score_sources": dict(b.score_sources),
            "provisional": b.provisional, "tie_break": b.tie_break.explanation if b.tie_break else None,
        } for b in result.ranking]
        record["excluded"] = [{"bid": b.key, "label": b.label, "reason": b.exclusion_reason}
                              for b in result.excluded]
        record["provisional_reasons"] = list(result.provisional_reasons)
    record["memo"], record["signoffs"] = _memo_section(procedure)
    record["price"] = _price_section(procedure, data)
    return record


def _memo_section(procedure) -> tuple[dict | None, list]:
    memo = (DecisionMemo.objects.filter(procedure=procedure)
            .select_related("author", "recommended_bid__vendor").first())
    if memo is None:
        return None, []
    versions = list(MemoVersion.objects.filter(memo=memo).select_related("submitted_by").order_by("number"))
    routes = list(ApprovalRoute.objects.filter(memo=memo).select_related("version").order_by("created_at", "pk"))
    signoffs = list(SignOff.objects.filter(route__memo=memo).select_related("signer", "step", "route__version")
                    .order_by("signed_at", "pk"))
    section = {
        "title": memo.title, "status": memo.status, "author": _person(memo.author),
        "recommended_bid": str(memo.recommended_bid_id) if memo.recommended_bid_id else None,
        "decision_date": _time(memo.decision_date), "contract_value": _num(memo.contract_value),
        "current_version": memo.version, "content_hash": memo.content_hash,
        "submitted_at": _time(memo.submitted_at), "approved_at": _time(memo.approved_at),
        "standstill_ends_on": _time(memo.standstill_ends_on),
        "versions": [{"number": v.number, "submitted_at": _time(v.submitted_at),
                      "submitted_by": _person(v.submitted_by), "content_hash": v.content_hash,
                      "scoring_snapshot": v.scoring_snapshot} for v in versions],
        "routes": [{"version": r.version.number, "rule": r.rule_name, "explanation": r.rule_explanation,
                    "status": r.status, "opened_at": _time(r.created_at), "closed_at": _time(r.closed_at)}
                   for r in routes],
    }
    rows = [{
        "signer": _person(s.signer), "committee": s.step.committee_name, "quorum": s.step.quorum,
        "memo_version": s.route.version.number, "decision": s.decision, "comment": s.comment,
        "signed_at": _time(s.signed_at), "content_hash": s.content_hash,
        "hash_matches_version": s.content_hash == s.route.version.content_hash,
    } for s in signoffs]
    return section, rows
