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
