"""Issue 21: what is in flight keeps the policy version it started with. An award procedure created before a
change of the approval matrix or the committees is routed by the versions it pinned; one created after, by the new
ones. Sign-offs count by the pinned membership, and a deactivated member never signs."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.http import Http404
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from awards import services as award_services
from awards.approval_policy import select_rule
from awards.models import ApprovalRule, Committee
from awards.policies import memo_policy, memos_to_sign
from awards.policy import services
from awards.services.approval import policy_rules, route_steps_of
from procurement.accounts.roles import Role
from tests.factories.accounts import TEST_PASSWORD
from tests.factories.memos import EC, PM, RC, seed_policy, shortlisted_procedure, written_memo
from tests.policies.policy_helpers import person, policy_admin

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def matrix_rows():
    rows = []
    for rule in ApprovalRule.objects.prefetch_related("committees").order_by("position", "pk"):
        row = services.RuleRow(name=rule.name, position=rule.position, min_value=rule.min_value,
                               max_value=rule.max_value, tiers=list(rule.tiers), currency=rule.currency,
                               committees=[c.key for c in rule.committees.order_by("pk")], active=rule.active,
                               rule=rule)
        rows.append(row)
    return rows


def committee_rows(members: dict, **quorum):
    return [services.CommitteeRow(key=c.key, name=c.name, quorum=quorum.get(c.key.replace("-", "_"), c.quorum),
                                  members=members[c.key], description=c.description, committee=c)
            for c in Committee.objects.order_by("pk")]


def new_procedure(lead, owner):
    return award_services.procedure_create(
        actor=lead, submission="recorded", title="Assistant", need_statement="Help", business_owner=owner,
        category="ai_saas", estimated_value=Decimal("50000"), currency="EUR", term_months=12)


def route_of(procedure, value="50000", tier="low"):
    return select_rule(policy_rules(procedure.policy_versions), value=Decimal(value), tier=tier)


def test_a_procedure_keeps_the_approval_matrix_it_started_under():
    seed_policy()
    admin, lead, owner = policy_admin(), person(Role.PROCUREMENT_LEAD), person(Role.BUSINESS_OWNER)
    # given a procedure started under the baseline (under 100k, low tier: the procurement manager alone)
    before = new_procedure(lead, owner)
    assert route_of(before).committees == (PM,)
    # when the policy administrator adds the risk committee to that band
    version = services.approval_matrix_replace(actor=admin, rows=_with_rc(), reason="RC on every award")
    # then the earlier procedure keeps the old route, a new one gets the new route
    after = new_procedure(lead, owner)
    assert after.policy_versions["approval_matrix"] == version.number
    assert route_of(before).committees == (PM,)
    assert route_of(after).committees == (PM, RC)


def _with_rc():
    rows = matrix_rows()
    rows[0].committees = [PM, RC]
    return rows


def test_a_band_in_another_currency_compares_the_value_converted_at_the_routes_rate():
    from django.utils import timezone

    from procurement.exchange_rates import exchange_rate_record

    seed_policy()
    admin = person(is_superuser=True, is_staff=True)
    exchange_rate_record(actor=admin, currency="USD", rate="0.5", valid_from=timezone.localdate(),
                         source="Test", reason="Test rate")
    from awards.approval_policy import Rule

    rules = [Rule(key=1, name="USD small", min_value=Decimal("0"), max_value=Decimal("100000"),
                  tiers=frozenset({"low"}), committees=(PM,), currency="USD"),
             Rule(key=2, name="Rest", min_value=Decimal("0"), max_value=None, tiers=frozenset({"low"}),
                  committees=(PM, RC))]
    from awards.services.approval import RouteValue, band_value
    from procurement.money import rate_on

    value = RouteValue(amount=Decimal("60000"), rate=rate_on("EUR", timezone.localdate()),
                       base_value=Decimal("60000"), source="contract", sentence="", day=timezone.localdate())
    assert band_value(value, "USD") == Decimal("120000.00")
    route = select_rule(rules, value=value.base_value, tier="low", currency="EUR",
                        value_in=lambda code: band_value(value, code))
    assert route.rule.name == "Rest"  # 60,000 EUR is 120,000 USD: above the USD band
    small = RouteValue(amount=Decimal("40000"), rate=value.rate, base_value=Decimal("40000"), source="contract",
                       sentence="", day=timezone.localdate())
    route = select_rule(rules, value=small.base_value, tier="low", currency="EUR",
                        value_in=lambda code: band_value(small, code))
    assert route.rule.name == "USD small"  # 40,000 EUR is 80,000 USD: inside the USD band
    assert "80,000 USD" in route.explanation


def test_the_memo_route_uses_the_pinned_committees_and_their_members():
    # given a procedure at the shortlist under the baseline committees, with members
    seed_policy()
    admin = policy_admin()
    a, b, c = (person(Role.COMMITTEE_APPROVER) for _ in range(3))
    members = {PM: [a], RC: [a, b], EC: [a, b]}
    services.committees_replace(actor=admin, rows=committee_rows(members), reason="Members named")
    shortlist = shortlisted_procedure(value=Decimal("50000"))
    # when the committees change after it started (c replaces a as procurement manager, quorum unchanged)
    services.committees_replace(actor=admin, rows=committee_rows({PM: [c], RC: [a, b], EC: [a, b]}),
                                reason="New procurement manager")
    memo = award_services.memo_submit(actor=shortlist.lead, memo=written_memo(shortlist))
    route = memo.routes.get()
    # then the route follows the pinned committees: a signs for the procurement manager, c does not
    assert [s.committee.key for s in route.steps.all()] == [PM]
    assert "Approval matrix version" in route.rule_explanation
    assert [s.committee.key for s in route_steps_of(route, a)] == [PM]
    assert route_steps_of(route, c) == []
    # and the policy agrees with the service: the step records its seats, the memo is in a's queue and not c's,
    # and the sign-off page is not found for c (the memo is not theirs to see)
    assert list(route.steps.get().members.all()) == [a]
    assert memo_policy.can(a, "sign", memo) and memo in memos_to_sign(a)
    assert not memo_policy.can(c, "sign", memo) and memo not in memos_to_sign(c)
    assert memo_policy.refusal(c, "sign", memo) == "You are not a member of a committee on this memo's route."
    page = signed_in(c).get(reverse("awards:memo_sign", args=[memo.procedure.reference]))
    assert page.status_code == 404
    # and a deactivated member never signs
    a.is_active = False
    a._change_reason = "Left"
    a.save()
    assert route_steps_of(route, a) == []
    assert not memo_policy.can(a, "sign", memo)


def test_someone_added_to_the_committee_after_the_route_opened_cannot_sign_it():
    # given a memo routed to the procurement manager committee, whose one member is a
    seed_policy()
    admin = policy_admin()
    a, b, c = (person(Role.COMMITTEE_APPROVER) for _ in range(3))
    services.committees_replace(actor=admin, rows=committee_rows({PM: [a], RC: [a, b], EC: [a, b]}),
                                reason="Members named")
    shortlist = shortlisted_procedure(value=Decimal("50000"))
    memo = award_services.memo_submit(actor=shortlist.lead, memo=written_memo(shortlist))
    # when c joins that committee while the memo waits (the live rows now name c)
    services.committees_replace(actor=admin, rows=committee_rows({PM: [a, c], RC: [a, b], EC: [a, b]}),
                                reason="A second procurement manager")
    assert Committee.objects.get(key=PM).members.filter(pk=c.pk).exists()
    # then c holds no seat on this route, by the policy, the service or the page; a still does
    route = memo.routes.get()
    assert route_steps_of(route, c) == [] and not memo_policy.can(c, "sign", memo)
    assert memo not in memos_to_sign(c)
    assert signed_in(c).get(reverse("awards:memo_sign", args=[memo.procedure.reference])).status_code == 404
    assert signed_in(a).get(reverse("awards:memo_sign", args=[memo.procedure.reference])).status_code == 200
    assert memo_policy.can(a, "sign", memo)
    # and the memo page names who may sign for the step: a, not c
    page = signed_in(memo.procedure.lead).get(reverse("awards:memo_detail", args=[memo.procedure.reference]))
    seats = page.content.decode().split("May sign:", 1)[1].split("</span>", 1)[0]
    assert escape(str(a)) in seats and escape(str(c)) not in seats
    # and a signature c forces through the service is refused as for anyone the memo is not shown to
    with pytest.raises(Http404):
        award_services.signoff_record(actor=c, memo=memo, decision="approve", password=TEST_PASSWORD)
    assert not memo.routes.get().signoffs.exists()
