"""Scenario attributes for templates and cloning (awards/views/templates.py) (issue 21)."""

from functools import cached_property  # noqa: F401


class TemplatesScenario:
    @cached_property
    def scorecard_template(self):
        """The AI-vendor scorecard template seeded by the migrations (active, version 1)."""
        from tests.factories.scorecards import template

        return template()

    @cached_property
    def procedure_template(self):
        """A procedure set-up template saved by the scenario's lead from a small procedure of their own."""
        from awards import services
        from awards.services.templates import procedure_template_save
        from tests.factories.scorecards import complete_scorecard

        source = services.procedure_create(
            actor=self.lead, title="Template source", need_statement="A reusable set-up.", business_owner=self.owner,
            category="ai_saas", estimated_value=1000, currency="EUR", term_months=12, submission="recorded")
        services.requirement_add(actor=self.lead, procedure=source, title="Answers in our language", priority="must")
        complete_scorecard(source, actor=self.lead)
        return procedure_template_save(actor=self.lead, procedure=source, name="Scenario set-up")
