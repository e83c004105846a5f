"""Demo data for the scorecard (issue 5), on top of the award procedure demo (awards.demo).

- ``build_scorecard`` runs as one of ``awards.demo.before_rfp_issue``: the scorecard from the AI-vendor
  template, with each must-requirement linked to the criterion that assesses it (registered at start-up by
  awards.scorecard_checks).
- ``seed`` runs after the procedure demo has reached Evaluation: three evaluators score (the recused one skips
  the bid they are recused from) and submit, the lead confirms the knockouts from the evidence (the POV bid
  misses a latency threshold and its SOC 2 report ends too early, so it is excluded; one proposal is overridden
  with a reason), and one spread flag is resolved by a consensus score.
"""

from __future__ import annotations

from awards import results, services
from awards.models import AwardProcedure, Requirement
from awards.models.procedure import Stage
from awards.models.scorecard import Criterion, Knockout, Scorecard, ScorecardTemplate, ScoreSheet

FLAG_CRITERION = "total-cost"

# Which template criterion assesses a must-requirement, by words in the requirement's title.
COVERAGE = (
    (("train", "eu region", "data stays"), "data-protection"),
    (("human", "agent", "transcript"), "integration"),
    (("source", "knowledge", "cited", "grounded"), "output-quality"),
)


def _template() -> ScorecardTemplate | None:
    return ScorecardTemplate.objects.filter(slug="ai-vendor").first()


def build_scorecard(*, procedure, users, bids) -> None:
    lead = users["lead"]
    template = _template()
    if template is None or Scorecard.objects.filter(procedure=procedure).exists():
        return
    scorecard = services.scorecard_create(actor=lead, procedure=procedure, template=template)
    criteria = {c.key: c for c in Criterion.objects.filter(scorecard=scorecard)}
    links: dict[str, list[Requirement]] = {}
    for requirement in Requirement.objects.filter(procedure=procedure, priority=Requirement.Priority.MUST):
        title = requirement.title.lower()
        key = next((key for words, key in COVERAGE if any(w in title for w in words)), "task-fit")
        links.setdefault(key, []).append(requirement)
    certified = Knockout.objects.filter(scorecard=scorecard, kind=Knockout.Kind.ATTESTATION).first()
    if certified is not None:
        services.knockout_update(
            actor=lead, knockout=certified, name="Certified security or AI management",
            description=certified.description + " Our security policy also accepts ISO/IEC 27001 for customer-"
                                                "support tools.",
            kind=certified.kind, standards=["iso_42001", "iso_27001", "soc2_type2"],
            horizon_months=certified.horizon_months, reason="Aligned with our security policy")
    for key, requirements in links.items():
        criterion = criteria[key]
        services.criterion_update(actor=lead, criterion=criterion, name=criterion.name,
                                  description=criterion.description, guidance=criterion.guidance,
                                  share=criterion.share, requirements=requirements,
                                  reason="Linked to the must-requirements it assesses")


def _value(base: float, b_index: int, c_index: int, e_index: int) -> float:
    """Deterministic, varied scores: the bid's level, its strengths per criterion, and the evaluator's nuance."""
    strength = ((b_index * 7 + c_index * 3) % 5 - 2) * 0.5
    nuance = ((c_index + e_index) % 3 - 1) * 0.5
    return max(0.0, min(5.0, base + strength + nuance))


BASES = (3.0, 3.5, 3.5, 2.5)

# The lead's override of an evidence proposal, with the reason (shows the override path in the demo).
OVERRIDES = {
    (Knockout.Kind.ATTESTATION, "Copperleaf Analytics SAS"):
        "ISO/IEC 27001 certificate issued last week (letter from the certification body on file); the vendor "
        "record will be updated when the certificate is uploaded.",
}  # by bid, in vendor-name order


def seed(*, users, stdout) -> None:
    from awards.demo import TITLE

    procedure = AwardProcedure.objects.filter(title=TITLE).first()
    if procedure is None or procedure.stage != Stage.EVALUATION:
        stdout.write("Scorecard demo skipped: the demo procedure is not in evaluation.")
        return
    scorecard = Scorecard.objects.filter(procedure=procedure).first()
    if scorecard is None:
        stdout.write("Scorecard demo skipped: the demo procedure has no scorecard.")
        return
    if ScoreSheet.objects.filter(scorecard=scorecard).exists():
        stdout.write("Scorecard demo already present.")
        return
    lead = users["lead"]
    evaluators = [users["evaluator"], users["evaluator2"], users["evaluator3"]]
    bids = list(results.results_bids(procedure))
    bases = {bid.pk: BASES[i % len(BASES)] for i, bid in enumerate(bids)}
    positions = {bid.pk: i for i, bid in enumerate(bids)}
    flag_bid = bids[1] if len(bids) > 1 else bids[0]
    for e_index, evaluator in enumerate(evaluators):
        grid = results.scoring_grid(procedure, evaluator)
        for bid in grid.bids:
            for c_index, criterion in enumerate(grid.criteria):
                value = _value(bases[bid.pk], positions[bid.pk], c_index, e_index)
                rationale = "Matches the proposal and the demo." if value not in (0, 5) else \
                    "Clearly shown in the demo on our own tickets."
                if bid == flag_bid and criterion.key == FLAG_CRITERION:
                    value, rationale = ((1.0, "Usage charges at our volume look open-ended in the price sheet.")
                                        if e_index == 2 else (4.0, "Capped price per conversation."))
                services.score_save(actor=evaluator, bid=bid, criterion=criterion, value=str(value),
                                    rationale=rationale)
        services.scoresheet_submit(actor=evaluator, procedure=procedure)

    failures = []
    for knockout in Knockout.objects.filter(scorecard=scorecard).order_by("position"):
        for bid in bids:
            proposed, basis = results.propose_knockout(knockout, bid, procedure.target_award_date)
            override = OVERRIDES.get((knockout.kind, bid.vendor.legal_name))
            if override is not None and proposed is False:
                services.knockout_decide(actor=lead, knockout=knockout, bid=bid, passed=True, reason=override)
            elif proposed is None and knockout.kind != Knockout.Kind.MANUAL:
                continue  # the evidence is not in yet (e.g. a POV still to run): left for the lead to confirm
            elif proposed is None:
                services.knockout_decide(actor=lead, knockout=knockout, bid=bid, passed=True,
                                         reason="Accepted our clause in the contract redline.")
            else:
                services.knockout_decide(actor=lead, knockout=knockout, bid=bid, passed=proposed)
                if not proposed:
                    failures.append(f"{bid.vendor} ({knockout.name})")

    criterion = Criterion.objects.get(scorecard=scorecard, key=FLAG_CRITERION)
    services.consensus_record(actor=lead, bid=flag_bid, criterion=criterion, score="3",
                              note="Annex C caps usage charges above 25,000 conversations a month; the panel "
                                   "settled on 3 because overage pricing is still above the market.")
    stdout.write(f"Scorecard demo: {len(evaluators)} evaluators submitted; knockout failures: "
                 f"{', '.join(failures) or 'none'}; one spread flag resolved by consensus.")
