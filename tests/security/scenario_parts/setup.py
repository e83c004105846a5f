"""Scenario attributes for the set-up pages (awards/views/setup.py) (issue 21)."""

from functools import cached_property


class SetupScenario:
    @cached_property
    def setup_assignment(self):
        """The scenario evaluator's assignment on procedure A."""
        from awards.models import EvaluatorAssignment

        return EvaluatorAssignment.objects.get(procedure=self.procedure, evaluator=self.evaluator)

    @cached_property
    def setup_own_declaration(self):
        """The scenario evaluator's declaration in force for the first bid of procedure A."""
        from awards.models import ConflictDeclaration

        return ConflictDeclaration.objects.get(assignment=self.setup_assignment, bid=self.bid)
