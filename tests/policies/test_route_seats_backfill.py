"""Migration awards 0016 gives the route steps that existed before RouteStep.members their seats, by the rule the
sign-off applied then: the committee's live members while the procedure's pinned committees version is current,
else the members named in the pinned version."""

from __future__ import annotations

import importlib
from decimal import Decimal

import pytest
from django.apps import apps as global_apps

from awards import services as award_services
from procurement.accounts.roles import Role
from tests.factories.memos import EC, PM, RC, seed_policy, shortlisted_procedure, written_memo
from tests.policies.policy_helpers import person, policy_admin
from tests.policies.test_policy_pins import committee_rows

pytestmark = pytest.mark.django_db
backfill = importlib.import_module("awards.migrations.0016_route_step_seats_from_pins").seats_from_pins


def _routed_memo(members):
    from awards.policy import services

    admin = policy_admin()

    services.committees_replace(actor=admin, rows=committee_rows(members), reason="Members named")
    shortlist = shortlisted_procedure(value=Decimal("50000"))
    return admin, award_services.memo_submit(actor=shortlist.lead, memo=written_memo(shortlist))


def test_steps_without_seats_get_the_pinned_members_and_steps_with_seats_are_left_alone():
    from awards.policy import services

    seed_policy()
    a, b, c = (person(Role.COMMITTEE_APPROVER) for _ in range(3))
    admin, memo = _routed_memo({PM: [a], RC: [a, b], EC: [a, b]})
    step = memo.routes.get().steps.get()
    step.members.clear()  # as the step stood before 0015
    # while the pinned version is current, the live members are copied
    backfill(global_apps, None)
    assert list(step.members.all()) == [a]
    # after a change of the committees, a step without seats gets the members of the version its procedure pinned
    services.committees_replace(actor=admin, rows=committee_rows({PM: [c], RC: [a, b], EC: [a, b]}),
                                reason="New procurement manager")
    step.members.clear()
    backfill(global_apps, None)
    assert list(step.members.all()) == [a]
    # and a step that has seats keeps them (the backfill runs again after every test database flush)
    step.members.set([b])
    backfill(global_apps, None)
    assert list(step.members.all()) == [b]
