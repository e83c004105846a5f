"""The policy is the only home of a permission rule: on random worlds, for every policy, every action it declares
and every user, `actionable(user, action)` is exactly the set of objects on which `can(user, action, obj)` is
true, `refusal()` is None exactly when `can()` is true, and every queue people see (home panels and their
counts, the memo sign-off inbox, the "memo routed" notice) shows exactly what the policy allows.

A few examples by default (the fast leg); set BATON_PROPERTY_EXAMPLES for more."""

from __future__ import annotations

import itertools
import os

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, settings

from awards import calendar as award_calendar
from awards import dashboard as award_dashboard
from awards import search as award_search
from awards.models import ApprovalRoute, Bid
from awards.notices import memo_routed_recipients
from awards.policies import (
    bid_policy,
    debrief_policy,
    memo_policy,
    owed_declarations,
    procedure_policy,
    procedure_template_policy,
    routes_to_sign,
    scorecard_template_policy,
)
from awards.selectors.pages import signoff_inbox
from contracts import dashboard as contract_dashboard
from contracts.notices import change_order_deciders
from contracts.policies import contract_policy, managed_contracts
from procurement.calendar_feed import LOOKBACK
from tests.policies.world import build, world_plans
from vendors import dashboard as vendor_dashboard
from vendors.policies import open_follow_ups, vendor_policy, vendor_portal_policy

pytestmark = pytest.mark.django_db

POLICIES = [vendor_policy, vendor_portal_policy, procedure_policy, bid_policy, memo_policy, debrief_policy,
            contract_policy, scorecard_template_policy, procedure_template_policy]
EXAMPLES = int(os.environ.get("BATON_PROPERTY_EXAMPLES", "10"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, database=None, print_blob=True,
                    phases=[Phase.explicit, Phase.generate],  # no shrinking: a world is slow to rebuild
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                           HealthCheck.data_too_large])
_seq = itertools.count()


class Rollback(Exception):
    pass


def in_world(plan, check):
    """Build the world and check it inside a savepoint that is rolled back, so examples do not see each other."""
    try:
        with transaction.atomic():
            world = build(plan, next(_seq))
            check(world)
            raise Rollback
    except Rollback:
        pass


def fresh(user):
    user.refresh_from_db()
    for cached in ("_baton_roles", "_perm_cache", "_user_perm_cache", "_group_perm_cache"):
        user.__dict__.pop(cached, None)
    return user


def check_policies(world):
    for policy in POLICIES:
        objects = list(policy.base_queryset())
        for action in policy.declared_actions():
            for user in world.users:
                seen = set(policy.visible(user).values_list("pk", flat=True))
                allowed = {obj.pk for obj in objects if policy.can(user, action, obj)}
                listed = set(policy.actionable(user, action).values_list("pk", flat=True))
                name = f"{type(policy).__name__} {action!r} for {user.username} {sorted(user.groups.values_list('name', flat=True))} active={user.is_active} superuser={user.is_superuser}"  # noqa: E501
                assert listed == allowed, f"{name}: actionable {sorted(listed)} but can {sorted(allowed)}"
                assert listed <= seen, f"{name}: actionable {sorted(listed - seen)} that the user cannot see"
                for obj in objects:
                    refusal = policy.refusal(user, action, obj)
                    assert (refusal is None) == (obj.pk in allowed), f"{name} on {obj.pk}: refusal {refusal!r}"
                    assert refusal is None or refusal.strip(), f"{name}: an empty refusal"


def _panel(panels, title):
    found = [p for p in panels if p["title"] == title]
    assert len(found) <= 1
    return found[0] if found else None


def _items(panels, title, key=lambda obj: obj.pk) -> set:
    panel = _panel(panels, title)
    if panel is None:
        return set()
    assert panel["items"], f"{title}: a panel is shown only when it has items"
    return {key(item) for item in panel["items"]}


def _count(panels, title) -> int:
    panel = _panel(panels, title)
    return panel["count"] if panel else 0


def _record_pk(uid: str) -> int:
    """The primary key in a calendar UID ("app.model-<pk>-...@baton", procurement.icalendar.record_uid)."""
    return int(uid.split("-")[1])


def check_queues(world):
    memos = list(memo_policy.base_queryset())
    procedures = list(procedure_policy.base_queryset())
    vendors = list(vendor_policy.base_queryset())
    contracts = list(contract_policy.base_queryset())
    for user in world.users:
        def may(policy, action, objects, user=user):
            return {o.pk for o in objects if policy.can(user, action, o)}

        to_sign = may(memo_policy, "sign", memos)
        to_score = may(procedure_policy, "score", procedures)
        to_agree = may(procedure_policy, "agree_requirements", procedures)
        to_declare = may(procedure_policy, "declare", procedures)
        owed_bids = set(owed_declarations(user).values_list("pk", flat=True))
        # the owed bids are those, not declined, of the procedures where "declare" is allowed, without a declaration
        assert {b.procedure_id for b in Bid.objects.filter(pk__in=owed_bids)} == to_declare

        # (a world holds at most three procedures and memos, fewer than a panel's five rows)
        panels = award_dashboard.panels(fresh(user))
        assert _items(panels, "Decision memos waiting for your sign-off", lambda r: r.memo_id) == to_sign
        inbox = list(routes_to_sign(user).order_by("created_at", "pk"))
        assert {r.memo_id for r in inbox} == to_sign and len(inbox) == len(to_sign)
        page = list(signoff_inbox(user))  # what the inbox page lists
        assert {r.memo_id for r in page} == to_sign and len(page) == len(to_sign)
        assert _items(panels, "Scores to submit") == to_score
        assert _count(panels, "Scores to submit") == len(to_score)
        assert _items(panels, "Requirements awaiting your agreement") == to_agree
        assert _items(panels, "Conflict declarations you owe") == owed_bids
        assert _count(panels, "Conflict declarations you owe") == len(owed_bids)
        runs = {p.pk for p in procedures if procedure_policy.can(user, "edit", p) and p.lead_id == user.pk
                and p.is_open}
        assert _items(panels, "Award procedures you run") == runs
        assert award_dashboard.work_count(fresh(user)) == (len(owed_bids) + len(to_score) + len(to_agree)
                                                           + len(to_sign))

        follow_ups = may(vendor_policy, "follow_up", vendors)
        tasks = list(open_follow_ups(user))
        assert {t.vendor_id for t in tasks} == follow_ups
        vendor_panels = vendor_dashboard.panels(fresh(user))
        assert (vendor_panels[0]["count"] if vendor_panels else 0) == len(tasks) == vendor_dashboard.work_count(user)

        works_on = {c.pk for c in contracts if contract_policy.can(user, "negotiate", c) and c.status != "closed"}
        shown = _panel(contract_dashboard.panels(fresh(user)), "Contracts you work on")
        assert ({c.pk for c in shown["items"]} if shown else set()) == works_on
        deciders_ok = all((user in change_order_deciders(c)) == contract_policy.can(user, "approve_change", c)
                          for c in contracts if user.pk in c.team_user_ids())
        assert deciders_ok, f"change-order deciders disagree with the policy for {user.username}"
        managed = may(contract_policy, "acknowledge_pack", contracts)
        assert set(managed_contracts(user).values_list("pk", flat=True)) == managed

        # the personal calendar feed: scores owed and sign-offs waiting are the policy's, no more, no less
        events = award_calendar.events(user)
        dated = {p.pk for p in procedures if p.pk in to_score and p.target_award_date is not None
                 and p.target_award_date >= timezone.localdate() - LOOKBACK}
        assert {_record_pk(e.uid) for e in events if e.summary.endswith("submit your scores")} == dated
        routes = {r.pk: r.memo_id for r in ApprovalRoute.objects.all()}
        assert {routes[_record_pk(e.uid)] for e in events if e.summary.endswith("sign-off waiting for you")} == to_sign
        # the global search finds exactly what the person may see
        seen_procedures = {p.reference for p in procedures if procedure_policy.can(user, "view", p)}
        assert {hit.reference for hit in award_search.procedures(user, [""])} == seen_procedures
        seen_memos = {m.pk for m in memos if memo_policy.can(user, "view", m)}
        assert len(award_search.memos(user, [""])) == len(seen_memos)

    for route in ApprovalRoute.objects.filter(status=ApprovalRoute.Status.OPEN).select_related("memo"):
        told = {u.pk for u in memo_routed_recipients(route)}
        assert told == {u.pk for u in world.users if memo_policy.can(u, "sign", route.memo)}


@SETTINGS
@given(plan=world_plans)
def test_actionable_is_exactly_what_can_allows(plan):
    in_world(plan, check_policies)


@SETTINGS
@given(plan=world_plans)
def test_every_queue_shows_exactly_what_the_policy_allows(plan):
    in_world(plan, check_queues)
