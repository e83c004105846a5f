"""Issue 21, as a state machine: matrix changes and procedure creations interleaved at random; every procedure's
route always comes from the approval matrix version it pinned at creation (not from the current one)."""

from __future__ import annotations

import os
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from awards import services as award_services
from awards.approval_policy import select_rule
from awards.models import ApprovalRule
from awards.policy import services
from awards.services.approval import policy_rules
from procurement import policy_tables
from procurement.accounts.roles import Role
from tests.factories.memos import EC, PM, RC, seed_policy
from tests.policies.policy_helpers import person, policy_admin

pytestmark = pytest.mark.django_db

CHOICES = ((PM,), (PM, RC), (PM, RC, EC), (RC,))
EXAMPLES = int(os.environ.get("BATON_PROPERTY_EXAMPLES", "5"))


def expected_routes():
    """What the current matrix gives for the probes (value, tier) -> committees."""
    rules = policy_rules()
    return {probe: select_rule(rules, value=Decimal(probe[0]), tier=probe[1]).committees for probe in PROBES}


PROBES = (("50000", "low"), ("50000", "high"), ("500000", "medium"))


class PinnedRoutes(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        seed_policy()
        self.admin = policy_admin()
        self.lead, self.owner = person(Role.PROCUREMENT_LEAD), person(Role.BUSINESS_OWNER)
        self.started: list[tuple] = []  # (procedure, the routes in force when it was created)

    @rule(position=st.sampled_from((10, 20, 30)), committees=st.sampled_from(CHOICES))
    def change_the_matrix(self, position, committees):
        rows = []
        for r in ApprovalRule.objects.prefetch_related("committees").order_by("position", "pk"):
            keys = [c.key for c in r.committees.order_by("pk")]
            rows.append(services.RuleRow(name=r.name, position=r.position, min_value=r.min_value,
                                         max_value=r.max_value, tiers=list(r.tiers), currency=r.currency,
                                         committees=list(committees) if r.position == position else keys,
                                         active=r.active, rule=r))
        before = policy_tables.current("approval_matrix").number
        try:
            services.approval_matrix_replace(actor=self.admin, rows=rows, reason="Machine change")
        except Exception as exc:  # the same table again: "Nothing changed", no new version
            assert "Nothing changed" in str(exc)
            assert policy_tables.current("approval_matrix").number == before
        else:
            assert policy_tables.current("approval_matrix").number == before + 1

    @rule()
    def create_a_procedure(self):
        procedure = award_services.procedure_create(
            actor=self.lead, submission="recorded", title="Assistant", need_statement="Help",
            business_owner=self.owner, category="ai_saas", estimated_value=Decimal("50000"), currency="EUR",
            term_months=12)
        self.started.append((procedure, expected_routes()))

    @invariant()
    def every_procedure_is_routed_by_its_pinned_version(self):
        for procedure, routes in self.started:
            rules = policy_rules(procedure.policy_versions)
            for (value, tier), committees in routes.items():
                assert select_rule(rules, value=Decimal(value), tier=tier).committees == committees


def test_each_procedure_is_routed_by_the_matrix_version_it_pinned():
    run_state_machine_as_test(PinnedRoutes, settings=settings(
        max_examples=EXAMPLES, stateful_step_count=8, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]))
