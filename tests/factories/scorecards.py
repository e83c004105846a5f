"""Scorecard helpers: build a complete scorecard through the services (so history and rules are real)."""

from awards import services
from awards.models import Requirement
from awards.models.scorecard import Knockout, Scorecard, ScorecardTemplate
from awards.scorecard_checks import uncovered_musts

TEMPLATE_SLUG = "ai-vendor"


def template():
    """The seeded AI-vendor template (re-seeded if a transactional test flushed it)."""
    found = ScorecardTemplate.objects.filter(slug=TEMPLATE_SLUG).first()
    if found is None:
        from importlib import import_module

        seeded = import_module("awards.migrations.0003_ai_vendor_scorecard_template")
        found = ScorecardTemplate.objects.create(slug=TEMPLATE_SLUG, name="AI vendor selection",
                                                 definition=seeded.DEFINITION)
    return found


def complete_scorecard(procedure, *, actor=None, from_template: bool = False) -> Scorecard:
    """A scorecard that satisfies the RFP prerequisites: weights sum to 100, every must-requirement covered by
    a criterion, knockouts defined. Small by default (two groups, three criteria, one manual knockout);
    `from_template=True` starts from the seeded AI-vendor template instead."""
    actor = actor or procedure.lead
    scorecard = Scorecard.objects.filter(procedure=procedure).first()
    if scorecard is None:
        if from_template:
            scorecard = services.scorecard_create(actor=actor, procedure=procedure, template=template())
        else:
            scorecard = services.scorecard_create(actor=actor, procedure=procedure)
            quality = services.group_add(actor=actor, scorecard=scorecard, name="Quality", weight=60)
            cost = services.group_add(actor=actor, scorecard=scorecard, name="Cost", weight=40)
            services.criterion_add(actor=actor, group=quality, name="Answer accuracy", share=2,
                                   guidance="0 none … 5 excellent")
            services.criterion_add(actor=actor, group=quality, name="Integration", share=1)
            services.criterion_add(actor=actor, group=cost, name="Total cost", share=1)
            services.knockout_add(actor=actor, scorecard=scorecard, name="No training on our data",
                                  kind=Knockout.Kind.MANUAL)
    cover_musts(scorecard, actor=actor)
    return scorecard


def cover_musts(scorecard: Scorecard, *, actor=None) -> None:
    """Link every uncovered must-requirement to the scorecard's first criterion."""
    actor = actor or scorecard.procedure.lead
    missing = uncovered_musts(scorecard.procedure)
    if not missing:
        return
    criterion = scorecard.criteria.order_by("group__position", "position", "pk").first()
    current = list(criterion.requirements.all())
    services.criterion_update(actor=actor, criterion=criterion, name=criterion.name,
                              description=criterion.description, guidance=criterion.guidance, share=criterion.share,
                              requirements=current + [r for r in missing if isinstance(r, Requirement)],
                              reason="Cover the must-requirements")


def build_scored_procedure(*, bids: int, criteria: int, evaluators: int, flagged: bool = True):
    """A procedure in evaluation with `bids` admitted bids, `criteria` criteria in two groups, `evaluators`
    evaluators who declared and submitted every score, and one knockout decided for every bid. Rows are created
    directly (fast) for query-count tests; behaviour is tested through the services elsewhere."""
    from django.utils import timezone

    from awards.models import Bid, ConflictDeclaration
    from awards.models.procedure import Stage
    from awards.models.scorecard import Criterion, CriterionGroup, KnockoutDecision, Score, ScoreSheet
    from tests.factories.awards import AwardProcedureFactory, BidFactory, EvaluatorAssignmentFactory

    now = timezone.now()
    procedure = AwardProcedureFactory(stage=Stage.EVALUATION, target_award_date=timezone.localdate())
    scorecard = Scorecard.objects.create(procedure=procedure, locked_at=now, locked_by=procedure.lead)
    half = max(1, criteria // 2)
    g1 = CriterionGroup.objects.create(scorecard=scorecard, key="g1", name="Quality", weight=60, position=0)
    g2 = CriterionGroup.objects.create(scorecard=scorecard, key="g2", name="Cost", weight=40, position=1)
    crits = [Criterion.objects.create(scorecard=scorecard, group=g1 if i < half else g2, key=f"c{i}",
                                      name=f"Criterion {i}", position=i) for i in range(criteria)]
    knockout = Knockout.objects.create(scorecard=scorecard, key="k", name="No training on our data")
    bid_rows = [BidFactory(procedure=procedure, status=Bid.Status.SUBMITTED, submitted_at=now) for _ in range(bids)]
    for bid in bid_rows:
        KnockoutDecision.objects.create(knockout=knockout, bid=bid, passed=True, decided_by=procedure.lead,
                                        decided_at=now, reason="Checked")
    for e in range(evaluators):
        assignment = EvaluatorAssignmentFactory(procedure=procedure)
        sheet = ScoreSheet.objects.create(scorecard=scorecard, evaluator=assignment.evaluator, submitted_at=now)
        for b, bid in enumerate(bid_rows):
            ConflictDeclaration.objects.create(assignment=assignment, bid=bid, has_conflict=False,
                                               review=ConflictDeclaration.Review.NOT_NEEDED)
            for c, criterion in enumerate(crits):
                value = (b + c + (e * 2 if flagged else 0)) % 6
                Score.objects.create(sheet=sheet, bid=bid, criterion=criterion, value=value, rationale="r")
    return procedure


def declare_all(procedure):
    """Every assigned evaluator (procedure.evaluators) declares no conflict for every bid."""
    for evaluator in procedure.evaluators:
        for bid in procedure.bids.order_by("pk"):
            services.conflict_declare(actor=evaluator, bid=bid, has_conflict=False)
    evaluators = procedure.evaluators
    procedure.refresh_from_db()
    procedure.evaluators = evaluators
    return procedure


def criteria_of(procedure):
    from awards.models.scorecard import Criterion

    return list(Criterion.objects.filter(scorecard__procedure=procedure).order_by("group__position", "position"))


def score_all(procedure, evaluator, values, rationale="Seen in the proposal"):
    """Score every bid on every criterion: `values` is a number or a callable (bid_index, criterion_index)."""
    for b_i, bid in enumerate(procedure.bids.order_by("pk")):
        for c_i, criterion in enumerate(criteria_of(procedure)):
            value = values(b_i, c_i) if callable(values) else values
            services.score_save(actor=evaluator, bid=bid, criterion=criterion, value=value, rationale=rationale)
