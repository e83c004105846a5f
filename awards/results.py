"""Reads of the scorecard: results (fed to the pure engine), knockout proposals and the evaluator's grid.

Public interface (for the results page, the spreadsheets and the decision memo):

    procedure_results(procedure) -> ProcedureResults
        Loads the scorecard, bids, submitted scores, knockout decisions and consensus notes in a fixed number
        of queries (it does not grow with bids, criteria or evaluators) and runs awards.scoring:
        ``.result`` (ScoringResult or None while the weights are invalid), ``.problems`` (weight problems),
        ``.sensitivity`` (tuple of SensitivityItem), ``.verdict`` (the most sensitive item's sentence),
        ``.monte_carlo`` (MonteCarloResult, seeded with ``scorecard.mc_seed``), ``.heatmap_svg()``,
        ``.bar_svg()``, ``.snapshot()`` (a JSON-serialisable dict for the memo's frozen scoring summary).
        Bid keys are ``str(bid.pk)``; criterion and knockout keys are their ``key`` fields.
    sees_results(user, procedure) -> bool
        The procedure's lead, its business owner, auditors and superusers. Decision: evaluators never see
        the results page (ranking and totals); once they have submitted their own sheet they see the other
        evaluators' scores and rationales on their scoring grid, read-only.
    effective_weights(groups, criteria) -> (weights by criterion key, problems)
    propose_knockout(knockout, bid, award_date) -> (True / False / None, basis sentence)
    scoring_grid(procedure, user) -> ScoringGrid (what one evaluator may score, their scores, and after
        submission everybody's; ``.closed``: bids no longer under evaluation — awarded, unsuccessful, knocked
        out — or from which they were recused, on which they keep seeing their own scores, read-only)
"""

from __future__ import annotations

import calendar
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Count, Max, Sum
from django.utils.safestring import mark_safe
from redis.exceptions import RedisError

from awards import charts, scoring
from awards.checks import admitted_bids
from awards.models import Bid, ConflictDeclaration, EvaluatorAssignment
from awards.models.scorecard import (
    ConsensusNote,
    Criterion,
    CriterionGroup,
    Knockout,
    KnockoutDecision,
    Score,
    Scorecard,
    ScoreSheet,
)
from procurement.accounts.roles import Role, has_role
from procurement.authz import is_active_user

MC_SAMPLES = 5000
SCORABLE_STATUSES = (Bid.Status.SUBMITTED, Bid.Status.SHORTLISTED)
LEAD_KNOCKOUT_KEY = "lead-decision"


def sees_results(user, procedure) -> bool:
    if not is_active_user(user):
        return False
    return (user.is_superuser or has_role(user, Role.AUDITOR) or procedure.lead_id == user.pk
            or procedure.business_owner_id == user.pk)


# --- weights ------------------------------------------------------------------------------------------------


def effective_weights(groups, criteria) -> tuple[dict[str, Decimal], list[str]]:
    """Effective weight per criterion key from the group weights and the criteria's shares, and the problems
    (e.g. "Group weights sum to 97.5; add 2.5") that stop the scorecard from being usable."""
    by_group: dict[int, dict[str, Decimal]] = {g.pk: {} for g in groups}
    for criterion in criteria:
        by_group.setdefault(criterion.group_id, {})[criterion.key] = criterion.share
    if not criteria:
        return {}, ["The scorecard has no criteria."]
    problems = [f"Group {g.name} carries {scoring.format_number(g.weight)} points but has no criteria."
                for g in groups if g.weight and not by_group[g.pk]]
    problems += [f"Group {g.name} carries weight but all its criteria have a share of 0."
                 for g in groups if g.weight and by_group[g.pk] and not sum(by_group[g.pk].values())]
    total = sum((g.weight for g in groups), Decimal(0))
    message = scoring.weight_total_message(total)
    if message:
        problems.insert(0, f"Group {message}.")
    if problems:
        return {}, problems
    try:
        weights = scoring.split_group_weights(
            [scoring.GroupWeight(key=str(g.pk), weight=g.weight, shares=by_group[g.pk]) for g in groups])
    except scoring.ScoringError as exc:
        return {}, [str(exc).capitalize() + "."]
    problems = [p.capitalize() + "." for p in scoring.validate_weights(weights)]
    return weights, problems


# --- knockouts ----------------------------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _day(value: date) -> str:
    return f"{value.day} {value:%b %Y}"


def propose_knockout(knockout: Knockout, bid: Bid, award_date: date | None) -> tuple[bool | None, str]:
    """What the evidence says: attestations as of the target award date, or the POV results. None = no proposal."""
    if knockout.kind == Knockout.Kind.ATTESTATION:
        from vendors.models import Attestation
        from vendors.selectors import valid_attestations

        labels = dict(Attestation.Standard.choices)
        wanted = " or ".join(labels.get(s, s) for s in knockout.standards)
        if award_date is None:
            return None, "Set the procedure's target award date: attestations are judged as of that date."
        horizon = add_months(award_date, knockout.horizon_months)
        matching = [a for a in valid_attestations(bid.vendor, award_date) if a.standard in knockout.standards]
        lasting = [a for a in matching if a.expires_on >= horizon]
        if lasting:
            best = max(lasting, key=lambda a: a.expires_on)
            return True, (f"{best.standard_label} from {best.issuer}, valid until {_day(best.expires_on)}: in force "
                          f"on the target award date ({_day(award_date)}) and through {_day(horizon)}.")
        if matching:
            best = max(matching, key=lambda a: a.expires_on)
            return False, (f"{best.standard_label} from {best.issuer} expires on {_day(best.expires_on)}, before "
                           f"{_day(horizon)} (target award date + {knockout.horizon_months} months).")
        return False, f"No {wanted} in force on the target award date ({_day(award_date)})."
    if knockout.kind == Knockout.Kind.POV:
        from awards.selectors import bid_obligations, pov_outcome

        outcome = pov_outcome(bid)
        if not outcome["locked"]:
            if bid_obligations(bid).pov_required:  # the vendor's current tier decides (issue 17, finding 7)
                return None, "The vendor's tier requires a POV; its protocol is not locked yet."
            return True, "No demo/POV required for this bid, and none was run."
        if outcome["all_met"] is None:
            return None, "POV results are not complete yet."
        if outcome["all_met"]:
            return True, f"All {len(outcome['results'])} POV success criteria met."
        failed = [r["metric"] for r in outcome["results"] if r["met"] is False]
        return False, "POV criteria not met: " + "; ".join(failed) + "."
    return None, "Decided by the procurement lead on the bid's documents."


# --- results ------------------------------------------------------------------------------------------------


@dataclass
class ProcedureResults:
    procedure: object
    scorecard: Scorecard | None
    groups: list = field(default_factory=list)
    criteria: list = field(default_factory=list)
    knockouts: list = field(default_factory=list)
    bids: list = field(default_factory=list)
    weights: dict = field(default_factory=dict)
    problems: list = field(default_factory=list)
    decisions: dict = field(default_factory=dict)  # (knockout_id, bid_id) -> KnockoutDecision
    notes: dict = field(default_factory=dict)  # (bid_id, criterion_id) -> ConsensusNote
    sheets: list = field(default_factory=list)
    evaluator_count: int = 0
    result: scoring.ScoringResult | None = None
    sensitivity: tuple = ()
    monte_carlo: scoring.MonteCarloResult | None = None
    cache_key: str = ""  # fingerprint of every input of the engine (see _fingerprint); "" = not cached
    price: object = None  # awards.selectors.price.PriceOutcome when a criterion is price-scored, else None

    @property
    def price_criterion(self):
        return next((c for c in self.criteria if c.price_scored), None)

    @property
    def bid_by_key(self) -> dict:
        return {str(b.pk): b for b in self.bids}

    @property
    def criterion_by_key(self) -> dict:
        return {c.key: c for c in self.criteria}

    @property
    def submitted_count(self) -> int:
        return sum(1 for s in self.sheets if s.is_submitted)

    @property
    def verdict(self) -> str:
        """The sentence about the most sensitive criterion (smallest weight move that changes the winner)."""
        if not self.sensitivity:
            return ""
        moves = [(min(x for x in (i.increase, i.decrease) if x is not None), i) for i in self.sensitivity
                 if i.increase is not None or i.decrease is not None]
        if not moves:
            winner = self.result.winner.label if self.result and self.result.winner else "The winner"
            return f"{winner} stays first whatever single weight changes."
        return min(moves, key=lambda m: m[0])[1].message

    def group_means(self, bid_key: str) -> list[tuple[str, float | None]]:
        """Per group, the weight-averaged criterion score (0..scale) of a bid — for the spreadsheet."""
        bid = self.result.bid(bid_key)
        out = []
        for group in self.groups:
            members = [c for c in self.criteria if c.group_id == group.pk]
            total_w = sum(float(self.weights.get(c.key, 0)) for c in members)
            scores = [(float(self.weights.get(c.key, 0)), bid.scores.get(c.key)) for c in members]
            if not members or all(s is None for _, s in scores):
                out.append((group.name, None))
            elif total_w:
                out.append((group.name, sum(w * (s or 0) for w, s in scores) / total_w))
            else:
                known = [s for _, s in scores if s is not None]
                out.append((group.name, sum(known) / len(known)))
        return out

    # Justified mark_safe: awards.charts builds the SVG itself and escapes every label it prints.
    def heatmap_svg(self) -> str:
        if not self.result:
            return ""
        svg = _cached(f"{self.cache_key}:heatmap", lambda: charts.score_heatmap_svg(self.result), self.cache_key)
        return mark_safe(svg)  # noqa: S308  # nosec

    def bar_svg(self) -> str:
        return mark_safe(charts.totals_bar_svg(self.result)) if self.result else ""  # noqa: S308  # nosec

    def snapshot(self) -> dict:
        """JSON-serialisable summary for the decision memo (frozen at memo submission)."""
        if self.result is None:
            return {"complete": False, "problems": list(self.problems)}
        r = self.result
        return {
            "complete": True,
            "scale": r.scale,
            "criteria": [{"key": c.key, "label": c.label, "group": c.group, "weight": str(c.weight)}
                         for c in r.criteria],
            "ranking": [{"bid": b.key, "label": b.label, "rank": b.rank, "total": b.total,
                         "groups": [{"group": g.group, "points": g.points, "percent": g.percent} for g in b.groups],
                         "tie_break": b.tie_break.explanation if b.tie_break else None} for b in r.ranking],
            "excluded": [{"bid": b.key, "label": b.label, "reason": b.exclusion_reason} for b in r.excluded],
            "provisional_reasons": list(r.provisional_reasons),
            "flags": [{"bid": s.bid, "criterion": s.criterion, "range": s.range, "resolved": s.resolved}
                      for s in r.flags],
            "sensitivity": [{"criterion": i.criterion, "increase": i.increase, "decrease": i.decrease,
                             "message": i.message} for i in self.sensitivity],
            "verdict": self.verdict,
            "monte_carlo": None if self.monte_carlo is None else {
                "seed": self.monte_carlo.seed, "samples": self.monte_carlo.samples,
                "probabilities": {p.bid: p.probability for p in self.monte_carlo.probabilities}},
        }


def results_bids(procedure):
    return (admitted_bids(procedure).exclude(status=Bid.Status.DECLINED).select_related("vendor")
            .order_by("vendor__legal_name", "pk"))


logger = logging.getLogger(__name__)
RESULTS_CACHE_SECONDS = 60 * 60


def _cached(key: str, compute, enabled: str):
    if not enabled:
        return compute()
    value = _cache_get(key)
    if value is None:
        value = compute()
        _cache_set(key, value)
    return value


# The results cache only saves work: with the shared cache (Redis) down the results are computed afresh, never a
# server error. (The sign-off throttle, by contrast, refuses to sign without its cache: procurement.throttle.)
_CACHE_DOWN = (RedisError, OSError)


def _cache_get(key: str):
    try:
        return cache.get(key)
    except _CACHE_DOWN as exc:
        logger.warning("results cache unreachable (%s): computing the results without it", exc)
        return None


def _cache_set(key: str, value) -> None:
    try:
        cache.set(key, value, RESULTS_CACHE_SECONDS)
    except _CACHE_DOWN as exc:
        logger.warning("results cache unreachable (%s): the results were not kept", exc)


def _price_parts(price) -> list:
    """The price inputs of the engine: each bid's lines, currency, rate and resulting score (issue 20)."""
    if price is None:
        return []
    return [("formula", price.formula, price.ceiling, price.scale, price.criterion.pk if price.criterion else None),
            [("cost", c.bid.pk, c.currency, str(c.total), str(c.base_total),
              None if c.rate is None else (str(c.rate.rate), c.rate.valid_from),
              [(line.pk, line.kind, str(line.amount), line.period, line.assumption_id,
                str(line.assumption.monthly_volume) if line.assumption_id else None, line.updated_at)
               for line in c.lines]) for c in price.costs],
            sorted((bid_id, str(score)) for bid_id, score in price.scores.items()),
            list(price.problems)]


def _fingerprint(*, scorecard, groups, criteria, knockouts, bids, sheets, cleared, decisions, notes,
                 samples, price=None) -> str:
    """A hash of every input of the engine, so a cached result is reused only for identical inputs.

    Scores enter through their sheet's aggregates (count, sum, latest change: annotated on the sheets query,
    so the fingerprint costs no extra query); everything else through the rows the page loads anyway.
    Every write in Baton goes through ``save()`` (never ``QuerySet.update``), so ``updated_at`` moves on
    every change.
    """
    import hashlib

    parts = [
        ("card", scorecard.pk, scorecard.scale, scorecard.mc_seed, scorecard.updated_at, samples),
        [("g", g.pk, g.weight, g.position, g.updated_at) for g in groups],
        [("c", c.pk, c.key, c.group_id, c.share, c.price_scored, c.updated_at) for c in criteria],
        [("k", k.pk, k.key, k.updated_at) for k in knockouts],
        [("b", b.pk, b.status, b.updated_at) for b in bids],
        [("s", s.pk, s.evaluator_id, s.submitted_at, s.updated_at, s.n_scores, s.sum_scores, s.last_score)
         for s in sheets],
        sorted(cleared),
        sorted((key, d.pk, d.passed, d.updated_at) for key, d in decisions.items()),
        sorted((key, n.pk, n.score, n.updated_at) for key, n in notes.items()),
        _price_parts(price),
    ]
    return "awards:results:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def procedure_results(procedure, *, samples: int = MC_SAMPLES) -> ProcedureResults:
    scorecard = Scorecard.objects.filter(procedure=procedure).first()
    if scorecard is None:
        return ProcedureResults(procedure=procedure, scorecard=None, problems=["There is no scorecard yet."])
    groups = list(CriterionGroup.objects.filter(scorecard=scorecard).order_by("position", "pk"))
    group_names = {g.pk: g.name for g in groups}
    criteria = list(Criterion.objects.filter(scorecard=scorecard).order_by("group__position", "group_id",
                                                                            "position", "pk"))
    knockouts = list(Knockout.objects.filter(scorecard=scorecard).order_by("position", "pk"))
    bids = list(results_bids(procedure))
    sheets = list(ScoreSheet.objects.filter(scorecard=scorecard).select_related("evaluator").annotate(
        n_scores=Count("scores"), sum_scores=Sum("scores__value"), last_score=Max("scores__updated_at")))
    evaluator_count = EvaluatorAssignment.objects.filter(procedure=procedure).count()
    submitted_sheets = {s.pk: s.evaluator_id for s in sheets if s.is_submitted}
    # A score counts only while its evaluator may open the bid: one recused (or whose conflict is back
    # under review) after scoring no longer weighs on the result.
    cleared = set(ConflictDeclaration.objects.filter(
        assignment__procedure=procedure, review__in=ConflictDeclaration.MAY_OPEN,
    ).values_list("assignment__evaluator_id", "bid_id"))
    key_of = {c.pk: c.key for c in criteria}
    decisions = {(d.knockout_id, d.bid_id): d for d in
                 KnockoutDecision.objects.filter(knockout__scorecard=scorecard).select_related("decided_by")}
    notes = {(n.bid_id, n.criterion_id): n for n in
             ConsensusNote.objects.filter(criterion__scorecard=scorecard).select_related("recorded_by")}
    weights, problems = effective_weights(groups, criteria)
    data = ProcedureResults(procedure=procedure, scorecard=scorecard, groups=groups, criteria=criteria,
                            knockouts=knockouts, bids=bids, weights=weights, problems=problems, decisions=decisions,
                            notes=notes, sheets=sheets, evaluator_count=evaluator_count)
    if problems:
        return data
    price_criterion = data.price_criterion
    if price_criterion is not None or scorecard.price_formula:
        data.price = _price_outcome(procedure, scorecard, bids, decisions, price_criterion)
    # The engine's outputs are cached by a fingerprint of all their inputs: at 40 bids x 120 criteria x 12
    # evaluators, loading 57,600 scores and running sensitivity and the Monte Carlo costs far more than the page.
    data.cache_key = _fingerprint(scorecard=scorecard, groups=groups, criteria=criteria, knockouts=knockouts,
                                  bids=bids, sheets=sheets, cleared=cleared, decisions=decisions, notes=notes,
                                  samples=samples, price=data.price)
    cached = _cache_get(data.cache_key)
    if cached is not None:
        data.result, data.sensitivity, data.monte_carlo = cached
        return data
    scores: dict[tuple[int, str], list[float]] = defaultdict(list)
    for bid_id, criterion_id, value, sheet_id in Score.objects.filter(criterion__scorecard=scorecard).values_list(
            "bid_id", "criterion_id", "value", "sheet_id"):
        if sheet_id in submitted_sheets and (submitted_sheets[sheet_id], bid_id) in cleared:
            scores[(bid_id, key_of[criterion_id])].append(float(value))
    engine_knockouts = [scoring.Knockout(k.key, k.name) for k in knockouts]
    lead_knocked = [b for b in bids if b.status == Bid.Status.KNOCKED_OUT
                    and not any(d.passed is False for (kid, bid_id), d in decisions.items() if bid_id == b.pk)]
    if lead_knocked:
        engine_knockouts.append(scoring.Knockout(LEAD_KNOCKOUT_KEY, "Knocked out by the procurement lead"))
    card = scoring.Scorecard(
        criteria=[scoring.Criterion(c.key, c.name, weights[c.key], group_names.get(c.group_id, "")) for c in criteria],
        knockouts=engine_knockouts, scale=scorecard.scale)
    price_key = price_criterion.key if price_criterion is not None else None
    price_scores = data.price.scores if data.price is not None else {}
    inputs = []
    for bid in bids:
        outcome: dict[str, bool | None] = {}
        for k in knockouts:
            decision = decisions.get((k.pk, bid.pk))
            outcome[k.key] = None if decision is None else decision.passed
        if lead_knocked:
            outcome[LEAD_KNOCKOUT_KEY] = bid not in lead_knocked
        inputs.append(scoring.BidInput(
            key=str(bid.pk), label=str(bid.vendor),
            scores={c.key: scores.get((bid.pk, c.key), []) for c in criteria if c.key != price_key},
            consensus={key_of[cid]: n.score for (bid_id, cid), n in notes.items()
                       if bid_id == bid.pk and n.score is not None and cid in key_of and key_of[cid] != price_key},
            knockouts=outcome,
            computed={} if price_key is None else {price_key: price_scores.get(bid.pk)}))
    resolved = {(str(bid_id), key_of[cid]) for (bid_id, cid) in notes if cid in key_of}
    data.result = scoring.score_bids(card, inputs, resolved=resolved)
    data.sensitivity = scoring.sensitivity(data.result)
    data.monte_carlo = scoring.monte_carlo(data.result, samples=samples, seed=scorecard.mc_seed)
    _cache_set(data.cache_key, (data.result, data.sensitivity, data.monte_carlo))
    return data


def _price_outcome(procedure, scorecard, bids, decisions, criterion):
    """The price scores of the bids already loaded (two more queries: their price lines, and one rate per
    currency). Knocked out = by the lead, or by a failed knockout decision."""
    from django.db.models import Prefetch, prefetch_related_objects

    from awards.models import PriceLine
    from awards.selectors.price import costs_for_bids, price_outcome

    prefetch_related_objects(bids, Prefetch("price_lines", queryset=PriceLine.objects.select_related("assumption")
                                            .order_by("position", "pk")))
    knocked = {b.pk for b in bids if b.status == Bid.Status.KNOCKED_OUT}
    knocked |= {bid_id for (_, bid_id), d in decisions.items() if d.passed is False}
    return price_outcome(procedure, scorecard, costs=costs_for_bids(procedure, bids), knocked_out=knocked,
                         criterion=criterion)


# --- the evaluator's grid -----------------------------------------------------------------------------------


def assigned_criteria(assignment: EvaluatorAssignment, criteria, groups_by_id) -> list:
    """Criteria an evaluator scores: all of them, unless the assignment names criterion groups."""
    wanted = {group.pk for group in assignment.groups.all()}
    if not wanted:
        return list(criteria)
    return [c for c in criteria if c.group_id in wanted]


@dataclass
class ScoringGrid:
    scorecard: Scorecard | None
    assignment: EvaluatorAssignment | None
    sheet: ScoreSheet | None
    criteria: list = field(default_factory=list)
    bids: list = field(default_factory=list)  # bids this evaluator may score
    blocked: list = field(default_factory=list)  # (bid, why) the evaluator may not score
    mine: dict = field(default_factory=dict)  # (bid_id, criterion_id) -> Score
    others: dict = field(default_factory=dict)  # (bid_id, criterion_id) -> [Score] (only after submission)
    groups: dict = field(default_factory=dict)
    closed: list = field(default_factory=list)  # (bid, note) the evaluator scored, no longer theirs to score
    # Price (issue 20): the criterion the formula scores (never in `criteria`), its effective weight, and once
    # prices are known (after the opening) each bid's total and computed score (awards.selectors.price).
    price_criterion: Criterion | None = None
    price_weight: Decimal | None = None
    price: object = None

    @property
    def price_rows(self):
        if self.price is None:
            return []
        return [(cost, score) for cost, score in self.price.rows() if cost.lines]

    @property
    def submitted(self) -> bool:
        return bool(self.sheet and self.sheet.is_submitted)

    @property
    def missing(self) -> int:
        return sum(1 for b in self.bids for c in self.criteria if (b.pk, c.pk) not in self.mine)

    def rows(self):
        """Per criterion: the criterion and one cell per bid (score or None), for the template."""
        for criterion in self.criteria:
            yield criterion, [(bid, self.mine.get((bid.pk, criterion.pk)), self.others.get((bid.pk, criterion.pk), []))
                              for bid in self.bids]

    def closed_rows(self):
        """Per criterion: the evaluator's own score on each closed bid (read-only; never anyone else's)."""
        for criterion in self.criteria:
            yield criterion, [(bid, self.mine.get((bid.pk, criterion.pk))) for bid, _ in self.closed]


def scoring_grid(procedure, user) -> ScoringGrid:
    scorecard = Scorecard.objects.filter(procedure=procedure).first()
    assignment = EvaluatorAssignment.objects.filter(procedure=procedure, evaluator=user).first()
    if scorecard is None or assignment is None:
        return ScoringGrid(scorecard=scorecard, assignment=assignment, sheet=None)
    groups = {g.pk: g for g in CriterionGroup.objects.filter(scorecard=scorecard)}
    criteria = list(Criterion.objects.filter(scorecard=scorecard).order_by("group__position", "group_id",
                                                                            "position", "pk"))
    price_criterion = next((c for c in criteria if c.price_scored), None)
    price_weight, price = None, None
    if price_criterion is not None:
        weights, _ = effective_weights(sorted(groups.values(), key=lambda g: (g.position, g.pk)), criteria)
        price_weight = weights.get(price_criterion.key)
        from awards.selectors.price import price_outcome

        price = price_outcome(procedure, scorecard, criterion=price_criterion)
    criteria = [c for c in assigned_criteria(assignment, criteria, groups) if not c.price_scored]
    declarations = {d.bid_id: d for d in ConflictDeclaration.objects.filter(assignment=assignment)}
    bids, blocked, unscorable = [], [], []
    for bid in results_bids(procedure):
        declaration = declarations.get(bid.pk)
        if bid.status not in SCORABLE_STATUSES:
            unscorable.append(bid)
        elif declaration is None:
            blocked.append((bid, "Declare any conflict of interest with this vendor first."))
        elif not declaration.may_open:
            blocked.append((bid, "You are recused from this bid." if declaration.review ==
                            ConflictDeclaration.Review.RECUSED else "Your declared conflict awaits the lead's review."))
        else:
            bids.append(bid)
    sheet = ScoreSheet.objects.filter(scorecard=scorecard, evaluator=user).first()
    mine = {}
    if sheet is not None:
        mine = {(s.bid_id, s.criterion_id): s for s in Score.objects.filter(sheet=sheet)}
    others: dict = defaultdict(list)
    if sheet is not None and sheet.is_submitted:
        for score in (Score.objects.filter(criterion__scorecard=scorecard, bid__in=[b.pk for b in bids])
                      .exclude(sheet=sheet).filter(sheet__submitted_at__isnull=False)
                      .select_related("sheet__evaluator").order_by("sheet__evaluator_id")):
            others[(score.bid_id, score.criterion_id)].append(score)
    # After the award (or a knockout, or a recusal) the evaluator still reads what they scored: their own
    # scores only, read-only, whatever became of the bid.
    scored = {bid_id for bid_id, _ in mine}
    closed = [(bid, "") for bid in unscorable if bid.pk in scored]
    closed += [(bid, f"{why} Your scores on it do not count.") for bid, why in blocked if bid.pk in scored]
    return ScoringGrid(scorecard=scorecard, assignment=assignment, sheet=sheet, criteria=criteria, bids=bids,
                       blocked=blocked, mine=mine, others=dict(others), groups=groups, closed=closed,
                       price_criterion=price_criterion, price_weight=price_weight, price=price)
