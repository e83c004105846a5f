"""Issue 21: the committees, the approval matrix, the due-diligence plans, the tiering rule table and the risk
acceptance matrix are changed only by a policy administrator on their pages, with a reason; each change is a new
PolicyVersion and every changed row's history names the actor and the reason. Readers (leads, auditors) see the
pages and get 403 on POST; everyone else 404. Bad input answers 200 with the errors and saves nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from awards.models import ApprovalRule, Committee
from procurement import policy_tables
from procurement.accounts.roles import Role
from procurement.models import PolicyVersion
from tests.factories.memos import seed_policy
from tests.policies.policy_helpers import committee_rows, formset, person, policy_admin, rule_rows
from vendors.models import DueDiligencePlan, DueDiligenceRequirement

pytestmark = pytest.mark.django_db

PAGES = ("awards_policy:committees", "awards_policy:approval_matrix", "vendors_policy:dd_plans",
         "vendors_policy:tiering_rules", "vendors_policy:risk_acceptance")


@pytest.fixture
def admin_client(client):
    seed_policy()
    user = policy_admin()
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def approvers():
    return [person(Role.COMMITTEE_APPROVER) for _ in range(3)]


def members_for_all(approvers):
    return {"procurement-manager": approvers[:1], "risk-committee": approvers[:2],
            "executive-committee": approvers[:2]}


# --- committees -----------------------------------------------------------------------------------------------


def test_a_policy_administrator_changes_the_committees_on_their_page(admin_client, approvers):
    # given the committees at their baseline
    baseline = policy_tables.current("committees")
    rows = committee_rows(members_for_all(approvers))
    rows[1]["name"] = "Risk and compliance committee"
    rows[1]["quorum"] = 2
    rows.append({"key": "ai-board", "name": "AI board", "quorum": 1, "members": [approvers[2].pk]})
    # when the policy administrator saves the whole table with a reason
    response = admin_client.post(reverse("awards_policy:committees"),
                                 {**formset("committees", rows, initial=3), "reason": "Compliance joins the RC"})
    # then a new version holds the table, with who and why
    assert response.status_code == 302
    latest = policy_tables.current("committees")
    assert (latest.number, latest.reason, latest.changed_by) == (baseline.number + 1, "Compliance joins the RC",
                                                                 admin_client.user)
    assert {"key": "ai-board", "name": "AI board", "description": "", "quorum": 1,
            "members": [approvers[2].username]} in latest.snapshot
    rc = Committee.objects.get(key="risk-committee")
    assert rc.name == "Risk and compliance committee"
    assert set(rc.members.all()) == set(approvers[:2])
    history = rc.history.order_by("-history_id").first()
    assert (history.history_user, history.history_change_reason) == (admin_client.user, "Compliance joins the RC")
    created = Committee.objects.get(key="ai-board").history.earliest("history_date")
    assert (created.history_user, created.history_change_reason) == (admin_client.user, "Compliance joins the RC")


def test_a_quorum_above_the_members_is_refused_next_to_the_row_and_nothing_is_saved(admin_client, approvers):
    seed = policy_tables.current("committees").number
    rows = committee_rows(members_for_all(approvers))
    rows[1]["quorum"] = 3  # two members
    response = admin_client.post(reverse("awards_policy:committees"),
                                 {**formset("committees", rows, initial=3), "reason": "Tighten"})
    assert response.status_code == 200
    assert "cannot exceed the number of members" in response.content.decode()
    assert policy_tables.current("committees").number == seed
    assert Committee.objects.get(key="risk-committee").quorum == 2
    assert not Committee.objects.get(key="risk-committee").members.exists()


def test_a_deactivated_user_cannot_be_added_to_a_committee(admin_client, approvers):
    gone = person(Role.COMMITTEE_APPROVER, is_active=False)
    rows = committee_rows(members_for_all(approvers))
    rows[0]["members"] = [gone.pk]
    response = admin_client.post(reverse("awards_policy:committees"),
                                 {**formset("committees", rows, initial=3), "reason": "Add a member"})
    assert response.status_code == 200
    assert not Committee.objects.get(key="procurement-manager").members.filter(pk=gone.pk).exists()
    # and the service says so when asked directly
    from django.core.exceptions import ValidationError

    from awards.policy import services

    row = services.CommitteeRow(key="procurement-manager", name="PM", quorum=1, members=[gone],
                                committee=Committee.objects.get(key="procurement-manager"))
    with pytest.raises(ValidationError):
        services.committees_replace(actor=admin_client.user, rows=[row], reason="Add a member")


def test_removing_a_committee_a_rule_uses_is_refused_with_a_sentence(admin_client, approvers):
    rows = committee_rows(members_for_all(approvers))
    rows[2]["DELETE"] = True
    response = admin_client.post(reverse("awards_policy:committees"),
                                 {**formset("committees", rows, initial=3), "reason": "No more EC"})
    assert response.status_code == 200
    assert "retire or change those rules first" in response.content.decode()
    assert Committee.objects.filter(key="executive-committee").exists()


# --- approval matrix ------------------------------------------------------------------------------------------


def test_a_policy_administrator_changes_the_approval_matrix_on_its_page(admin_client):
    baseline = policy_tables.current("approval_matrix")
    rows = rule_rows()
    rows[0]["committees"] = ["procurement-manager", "risk-committee"]
    rows[0]["name"] = "Under 100k, low or medium tier (PM and RC)"
    rows.append({"position": 60, "name": "USD band for critical vendors", "currency": "usd", "min_value": "0",
                 "max_value": "5000", "tiers": ["critical"], "committees": ["procurement-manager"], "active": False})
    response = admin_client.post(reverse("awards_policy:approval_matrix"),
                                 {**formset("rules", rows, initial=5), "reason": "RC reviews every award"})
    assert response.status_code == 302
    latest = policy_tables.current("approval_matrix")
    assert (latest.number, latest.reason, latest.changed_by) == (baseline.number + 1, "RC reviews every award",
                                                                 admin_client.user)
    rule = ApprovalRule.objects.get(position=10)
    assert list(rule.committees.order_by("pk").values_list("key", flat=True)) == ["procurement-manager",
                                                                                  "risk-committee"]
    history = rule.history.order_by("-history_id").first()
    assert (history.history_user, history.history_change_reason) == (admin_client.user, "RC reviews every award")
    assert ApprovalRule.objects.get(position=60).currency == "USD"


@pytest.mark.parametrize(("change", "message"), [
    ({"min_value": "50000", "max_value": "200000"}, "overlaps the band"),
    ({"currency": "XYZ"}, "is not an ISO 4217 currency code"),
    ({"tiers": []}, "Choose one or more tiers"),
])
def test_a_bad_approval_matrix_is_refused_and_nothing_is_saved(admin_client, change, message):
    before = policy_tables.current("approval_matrix").number
    rows = rule_rows()
    rows[2].update(change)
    response = admin_client.post(reverse("awards_policy:approval_matrix"),
                                 {**formset("rules", rows, initial=5), "reason": "Try"})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert policy_tables.current("approval_matrix").number == before
    assert ApprovalRule.objects.get(position=30).min_value == Decimal("100000")


def test_a_change_without_a_reason_is_refused(admin_client):
    rows = rule_rows()
    rows[0]["name"] = "Renamed"
    response = admin_client.post(reverse("awards_policy:approval_matrix"), formset("rules", rows, initial=5))
    assert response.status_code == 200
    assert ApprovalRule.objects.get(position=10).name != "Renamed"


# --- due-diligence plans --------------------------------------------------------------------------------------


def _plan_rows():
    return [{"tier": p.tier, "references": p.references_required,
             "independent_references": p.independent_references_required, "pov_required": p.pov_required,
             "refresh_months": p.attestation_refresh_months}
            for p in sorted(DueDiligencePlan.objects.all(), key=lambda p: ["low", "medium", "high", "critical"]
                            .index(p.tier))]


def _requirement_rows():
    return [{"tier": r.plan.tier, "kind": r.evidence_kind, "guidance": r.guidance,
             "independent": r.independent_evidence_required}
            for r in DueDiligenceRequirement.objects.select_related("plan").order_by("pk")]


def test_a_policy_administrator_changes_the_due_diligence_plans(admin_client):
    baseline = policy_tables.current("dd_plans")
    plans = _plan_rows()
    plans[0]["references"] = plans[0]["references"] + 1
    requirements = [r for r in _requirement_rows() if not (r["tier"] == "low" and r["kind"] == "dpa")] + [
        {"tier": "low", "kind": "dpa", "guidance": "Signed DPA", "independent": False}]
    data = {**formset("plans", plans), **formset("requirements", requirements, initial=0),
            "reason": "Low-tier vendors need a DPA"}
    response = admin_client.post(reverse("vendors_policy:dd_plans"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    latest = policy_tables.current("dd_plans")
    assert (latest.number, latest.reason, latest.changed_by) == (baseline.number + 1, "Low-tier vendors need a DPA",
                                                                 admin_client.user)
    low = DueDiligencePlan.objects.get(tier="low")
    assert low.references_required == plans[0]["references"]
    history = low.history.order_by("-history_id").first()
    assert (history.history_user, history.history_change_reason) == (admin_client.user,
                                                                     "Low-tier vendors need a DPA")
    requirement = DueDiligenceRequirement.objects.get(plan=low, evidence_kind="dpa")
    assert requirement.guidance == "Signed DPA"
    req_history = requirement.history.order_by("-history_id").first()
    assert (req_history.history_user, req_history.history_change_reason) == (admin_client.user,
                                                                             "Low-tier vendors need a DPA")


def test_more_independent_references_than_references_is_refused(admin_client):
    before = policy_tables.current("dd_plans").number
    plans = _plan_rows()
    plans[1]["independent_references"] = plans[1]["references"] + 1
    requirements = _requirement_rows()
    response = admin_client.post(reverse("vendors_policy:dd_plans"), {
        **formset("plans", plans), **formset("requirements", requirements, initial=0), "reason": "Try"})
    assert response.status_code == 200
    assert "Cannot exceed the number of references required" in response.content.decode()
    assert policy_tables.current("dd_plans").number == before


def test_a_procedure_keeps_the_due_diligence_plans_it_started_under(admin_client):
    from vendors.policy import services
    from vendors.selectors import tier_obligations

    pins = policy_tables.pin(["dd_plans"])
    before = tier_obligations("low", pins=pins)
    plans = []
    for p in DueDiligencePlan.objects.prefetch_related("requirements"):
        plans.append(services.PlanRow(tier=p.tier, references=p.references_required + (2 if p.tier == "low" else 0),
                                      independent_references=p.independent_references_required,
                                      pov_required=p.pov_required, refresh_months=p.attestation_refresh_months,
                                      requirements=[{"kind": r.evidence_kind, "guidance": r.guidance,
                                                     "independent": r.independent_evidence_required}
                                                    for r in p.requirements.all()]))
    services.dd_plans_replace(actor=admin_client.user, plans=plans, reason="Two more references")
    assert tier_obligations("low", pins=pins) == before
    assert tier_obligations("low").references_required == before.references_required + 2
    assert tier_obligations("low", pins=policy_tables.pin(["dd_plans"])).references_required == \
        before.references_required + 2


# --- tiering rules ----------------------------------------------------------------------------------------------


def test_a_policy_administrator_changes_the_tiering_rules_and_new_assessments_use_them(admin_client):
    from tests.factories.vendors import VendorFactory
    from vendors.services.tiering import tier_assess

    baseline = policy_tables.current("tiering_rules")
    rules = [{"tier": "critical", "conditions": "high_risk_use == yes | EU AI Act high-risk use"},
             {"tier": "high", "conditions": "spend_band in 250k_1m, over_1m", "reason": "spend above €250k"}]
    response = admin_client.post(reverse("vendors_policy:tiering_rules"),
                                 {**formset("rules", rules, initial=0), "reason": "Spend matters more"})
    assert response.status_code == 302
    latest = policy_tables.current("tiering_rules")
    assert (latest.number, latest.reason, latest.changed_by) == (baseline.number + 1, "Spend matters more",
                                                                 admin_client.user)
    assert latest.snapshot[1] == {"tier": "high", "when": [["spend_band", "in", ["250k_1m", "over_1m"]]],
                                  "reason": "spend above €250k"}
    history = latest.history.order_by("-history_id").first()
    assert (history.history_user, history.history_change_reason) == (admin_client.user, "Spend matters more")
    # and an assessment from now on uses it and records the version
    lead = person(Role.PROCUREMENT_LEAD)
    vendor = VendorFactory()
    answers = {"data_sensitivity": "none", "business_criticality": "low", "people_impact": "none",
               "high_risk_use": "no", "autonomy": "standalone", "spend_band": "250k_1m", "substitutability": "easy"}
    assessment = tier_assess(actor=lead, vendor=vendor, answers=answers)
    assert (assessment.tier, assessment.rules_version) == ("high", latest.number)


def test_a_tiering_rule_with_an_unknown_answer_is_refused(admin_client):
    before = policy_tables.current("tiering_rules").number
    rules = [{"tier": "high", "conditions": "spend_band == a_lot"}]
    response = admin_client.post(reverse("vendors_policy:tiering_rules"),
                                 {**formset("rules", rules, initial=0), "reason": "Try"})
    assert response.status_code == 200
    assert "is not an answer to spend_band" in response.content.decode()
    assert policy_tables.current("tiering_rules").number == before


# --- risk acceptance --------------------------------------------------------------------------------------------


def _acceptance_rows(**changes):
    snapshot = policy_tables.current("risk_acceptance").snapshot
    rows = [{"rating": r, "roles": snapshot[r]["roles"], "label": snapshot[r]["label"]}
            for r in ("low", "medium", "high", "critical")]
    for row in rows:
        row.update(changes.get(row["rating"], {}))
    return rows


def test_a_policy_administrator_changes_the_risk_acceptance_matrix_and_acceptances_record_it(admin_client):
    from django.core.exceptions import PermissionDenied
    from django.utils import timezone

    from tests.factories.vendors import VendorFactory
    from vendors.models import Risk
    from vendors.services.risks import risk_accept, risk_create

    # given a medium residual risk, which the shipped matrix lets only a committee approver accept
    owner, other_lead = person(Role.PROCUREMENT_LEAD), person(Role.PROCUREMENT_LEAD)
    risk = risk_create(actor=owner, vendor=VendorFactory(), title="Drift", category=Risk.Category.PERFORMANCE,
                       inherent_likelihood=3, inherent_impact=3, residual_likelihood=2, residual_impact=3,
                       owner=owner, review_date=timezone.localdate())
    with pytest.raises(PermissionDenied):
        risk_accept(actor=other_lead, risk=risk, reason="Small and watched")
    baseline = policy_tables.current("risk_acceptance")
    # when the policy administrator lets procurement leads accept medium risks
    rows = _acceptance_rows(medium={"roles": [Role.PROCUREMENT_LEAD, Role.COMMITTEE_APPROVER],
                                    "label": "a Procurement lead or a Committee approver"})
    response = admin_client.post(reverse("vendors_policy:risk_acceptance"),
                                 {**formset("matrix", rows), "reason": "Leads may accept medium risks"})
    # then the new version is recorded with who and why
    assert response.status_code == 302
    latest = policy_tables.current("risk_acceptance")
    assert (latest.number, latest.reason, latest.changed_by) == (baseline.number + 1,
                                                                 "Leads may accept medium risks", admin_client.user)
    assert latest.snapshot["medium"]["roles"] == sorted([Role.COMMITTEE_APPROVER, Role.PROCUREMENT_LEAD])
    history = latest.history.order_by("-history_id").first()
    assert (history.history_user, history.history_change_reason) == (admin_client.user,
                                                                     "Leads may accept medium risks")
    # and the other lead may now accept it, the risk recording the version it was judged by
    accepted = risk_accept(actor=other_lead, risk=risk, reason="Small and watched")
    assert accepted.acceptance_matrix_version == latest.number
    assert accepted.history.order_by("-history_id").first().history_user == other_lead


def test_an_unknown_role_in_the_acceptance_matrix_is_refused(admin_client):
    before = policy_tables.current("risk_acceptance").number
    rows = _acceptance_rows(medium={"roles": ["Janitor"]})
    response = admin_client.post(reverse("vendors_policy:risk_acceptance"),
                                 {**formset("matrix", rows), "reason": "Try"})
    assert response.status_code == 200
    assert policy_tables.current("risk_acceptance").number == before


# --- who ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", PAGES + ("policy:index",))
@pytest.mark.parametrize("role", [Role.PROCUREMENT_LEAD, Role.AUDITOR])
def test_readers_see_the_pages_read_only_and_get_403_on_post(client, name, role):
    seed_policy()
    client.force_login(person(role))
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert "Save as a new version" not in response.content.decode()
    if name != "policy:index":
        assert client.post(reverse(name), {"reason": "Sneaky"}).status_code == 403
    assert PolicyVersion.objects.filter(changed_by__isnull=False).count() == 0


@pytest.mark.parametrize("name", PAGES + ("policy:index",))
@pytest.mark.parametrize("role", [Role.EVALUATOR, Role.COMMITTEE_APPROVER, Role.BUSINESS_OWNER, None])
def test_everyone_else_gets_404(client, name, role):
    client.force_login(person(role))
    assert client.get(reverse(name)).status_code == 404
    if name != "policy:index":
        assert client.post(reverse(name), {"reason": "Sneaky"}).status_code == 404


def test_the_index_lists_every_table_with_its_version_in_bounded_queries(admin_client, django_assert_max_num_queries):
    for key in policy_tables.tables():
        policy_tables.current(key)
    with django_assert_max_num_queries(25):
        response = admin_client.get(reverse("policy:index"))
    body = response.content.decode()
    for spec in policy_tables.tables().values():
        assert spec.label in body


def test_the_versions_page_shows_a_version_and_what_changed(admin_client, approvers):
    from vendors.policy import services

    config = policy_tables.current("tiering_rules").snapshot[:2]
    services.tiering_rules_record(actor=admin_client.user, config=config, reason="Only two rules")
    response = admin_client.get(reverse("policy:versions", args=["tiering_rules"]) + "?v=2")
    body = response.content.decode()
    assert "Only two rules" in body and 'data-testid="policy-diff"' in body
    assert admin_client.get(reverse("policy:versions", args=["tiering_rules"]) + "?v=99").status_code == 404
    assert admin_client.get(reverse("policy:versions", args=["no-such-table"])).status_code == 404


# --- the admin shows policy tables read-only ------------------------------------------------------------------


@pytest.mark.parametrize("model", ["awards.committee", "awards.approvalrule", "awards.scorecardtemplate",
                                   "vendors.duediligenceplan", "vendors.duediligencerequirement",
                                   "procurement.policyversion"])
def test_the_admin_refuses_to_add_change_or_delete_a_policy_table(rf, model):
    from django.apps import apps
    from django.contrib import admin

    superuser = person(is_superuser=True, is_staff=True)
    request = rf.get("/admin/")
    request.user = superuser
    model_admin = admin.site._registry[apps.get_model(model)]
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
