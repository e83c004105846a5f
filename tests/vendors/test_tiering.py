"""The tiering rule table: table-driven cases, boundaries, configuration and overrides."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from procurement.accounts.roles import Role
from vendors import tiering
from vendors.models import TierAssessment, Vendor
from vendors.services import tier_assess, tier_override

# The quietest answer to every question: matches no rule at all.
BASE = {"data_sensitivity": "none", "business_criticality": "low", "people_impact": "none", "high_risk_use": "no",
        "autonomy": "standalone", "spend_band": "under_50k", "substitutability": "easy"}


def answers(**changes):
    return {**BASE, **changes}


@pytest.mark.parametrize(("changes", "tier", "reason"), [
    ({}, "low", "no rule for a higher tier matched"),
    # data sensitivity, level by level
    ({"data_sensitivity": "confidential"}, "low", "no rule for a higher tier matched"),
    ({"data_sensitivity": "confidential", "autonomy": "integrated"}, "medium",
     "business-confidential data AND integrated with our systems"),
    ({"data_sensitivity": "personal"}, "medium", "personal data"),
    ({"data_sensitivity": "personal", "autonomy": "integrated"}, "high",
     "personal data AND integrated with our systems"),
    ({"data_sensitivity": "special_category"}, "high", "special-category personal data"),
    ({"data_sensitivity": "special_category", "high_risk_use": "yes"}, "critical",
     "special-category personal data AND EU AI Act high-risk use"),
    # high-risk use on its own, and with autonomy
    ({"high_risk_use": "yes"}, "high", "EU AI Act high-risk use"),
    ({"high_risk_use": "yes", "autonomy": "integrated"}, "high", "EU AI Act high-risk use"),
    ({"high_risk_use": "yes", "autonomy": "autonomous"}, "critical",
     "EU AI Act high-risk use AND acts autonomously or is deeply embedded"),
    # business criticality boundaries
    ({"business_criticality": "moderate"}, "medium", "moderate business criticality"),
    ({"business_criticality": "high"}, "high", "a key process depends on it"),
    ({"business_criticality": "mission_critical"}, "high", "a key process depends on it"),
    ({"business_criticality": "mission_critical", "substitutability": "moderate"}, "high",
     "a key process depends on it"),
    ({"business_criticality": "mission_critical", "substitutability": "hard"}, "critical",
     "mission-critical AND hard to replace"),
    # impact on people
    ({"people_impact": "indirect"}, "medium", "informs decisions about people"),
    ({"people_impact": "significant"}, "high", "shapes decisions about people"),
    # spend band boundaries: 50k–250k is still low, 250k–1m medium, over 1m high
    ({"spend_band": "50k_250k"}, "low", "no rule for a higher tier matched"),
    ({"spend_band": "250k_1m"}, "medium", "annual spend €250k–€1m"),
    ({"spend_band": "over_1m"}, "high", "annual spend over €1m"),
    # substitutability and autonomy alone
    ({"substitutability": "moderate"}, "low", "no rule for a higher tier matched"),
    ({"substitutability": "hard"}, "medium", "hard to replace"),
    ({"autonomy": "integrated"}, "low", "no rule for a higher tier matched"),
    ({"autonomy": "autonomous"}, "medium", "acts autonomously or is deeply embedded"),
])
def test_default_rule_table(changes, tier, reason):
    result = tiering.assess(answers(**changes), tiering.DEFAULT_RULES)

    assert result.tier == tier
    assert reason in result.reasons


def test_all_matching_rules_of_the_winning_tier_are_given_as_reasons():
    result = tiering.assess(answers(data_sensitivity="special_category", high_risk_use="yes",
                                    business_criticality="mission_critical", substitutability="hard"),
                            tiering.DEFAULT_RULES)

    assert result.tier == "critical"
    assert result.reasons == ("special-category personal data AND EU AI Act high-risk use",
                              "mission-critical AND hard to replace")
    assert result.explanation.startswith("critical because: special-category personal data AND EU AI Act")


def test_lower_tier_reasons_are_not_mixed_in():
    result = tiering.assess(answers(high_risk_use="yes", spend_band="250k_1m"), tiering.DEFAULT_RULES)

    assert result.tier == "high"
    assert "annual spend €250k–€1m" not in result.reasons


@pytest.mark.parametrize("bad", [
    {k: v for k, v in BASE.items() if k != "autonomy"},
    answers(spend_band="lots"),
    {**BASE, "favourite_colour": "blue"},
])
def test_incomplete_or_unknown_answers_are_refused(bad):
    with pytest.raises(tiering.InvalidAnswers):
        tiering.assess(bad, tiering.DEFAULT_RULES)


def test_changing_the_table_changes_the_outcome_without_code_changes():
    given = answers(spend_band="over_1m")
    assert tiering.assess(given, tiering.DEFAULT_RULES).tier == "high"

    stricter = tiering.rules_from_config([
        {"tier": "critical", "when": [["spend_band", ">=", "250k_1m"]], "reason": "big spend"},
    ])
    laxer = tiering.rules_from_config([
        {"tier": "medium", "when": [["spend_band", "in", ["250k_1m", "over_1m"]]]},
    ])

    assert tiering.assess(given, stricter).explanation == "critical because: big spend"
    assert tiering.assess(given, laxer).tier == "medium"
    assert tiering.assess(answers(), laxer).tier == "low"


def test_the_setting_replaces_the_default_table(settings):
    settings.VENDOR_TIERING_RULES = [{"tier": "critical", "when": [["substitutability", "==", "moderate"]]}]

    result = tiering.assess(answers(substitutability="moderate"))

    assert result.tier == "critical"
    assert result.reasons == ("substitutability: some effort: months",)
    assert tiering.assess(answers(data_sensitivity="special_category", high_risk_use="yes")).tier == "low"


@pytest.mark.parametrize(("config", "message"), [
    ([{"tier": "urgent", "when": [["spend_band", "==", "over_1m"]]}], "unknown tier"),
    ([{"tier": "high", "when": [["colour", "==", "red"]]}], "unknown question"),
    ([{"tier": "high", "when": [["spend_band", "~", "over_1m"]]}], "unknown operator"),
    ([{"tier": "high", "when": [["spend_band", "==", "a_lot"]]}], "not an answer"),
    ([{"tier": "high", "when": []}], "at least one condition"),
])
def test_invalid_tables_fail_loudly(config, message):
    with pytest.raises(ValueError, match=message):
        tiering.rules_from_config(config)


def test_operators_at_their_boundaries():
    at_least = tiering.C("spend_band", ">=", "250k_1m")
    at_most = tiering.C("spend_band", "<=", "50k_250k")

    assert [at_least.holds({"spend_band": b}) for b in ("under_50k", "50k_250k", "250k_1m", "over_1m")] == [
        False, False, True, True]
    assert [at_most.holds({"spend_band": b}) for b in ("under_50k", "50k_250k", "250k_1m", "over_1m")] == [
        True, True, False, False]


# --- the services keep every assessment and Vendor.tier in sync ------------------------------------------


@pytest.mark.django_db
def test_assessment_is_kept_and_sets_the_vendor_tier(lead, vendor):
    first = tier_assess(actor=lead, vendor=vendor, answers=answers(data_sensitivity="personal"))
    second = tier_assess(actor=lead, vendor=vendor, answers=answers(high_risk_use="yes"))

    vendor.refresh_from_db()
    assert (vendor.tier, vendor.tier_overridden) == ("high", False)
    assert list(vendor.tier_assessments.all()) == [second, first]
    assert first.tier == "medium" and first.reasons == ["personal data"]
    assert second.assessed_by == lead
    assert vendor.history.first().history_change_reason == "Tier high from questionnaire"
    assert TierAssessment.history.filter(id=first.pk).first().history_user == lead


@pytest.mark.django_db
def test_override_needs_a_reason_and_is_shown_as_override(lead, vendor):
    tier_assess(actor=lead, vendor=vendor, answers=answers())

    with pytest.raises(ValidationError):
        tier_override(actor=lead, vendor=vendor, tier="critical", reason="  ")
    override = tier_override(actor=lead, vendor=vendor, tier="critical", reason="Board asked for full checks")

    vendor.refresh_from_db()
    assert (vendor.tier, vendor.tier_overridden) == ("critical", True)
    assert override.is_override and override.computed_tier == "low"
    assert override.explanation == "Critical by manual override: Board asked for full checks"
    assert vendor.history.first().history_change_reason.startswith("Tier overridden to critical")


@pytest.mark.django_db
def test_only_a_procurement_lead_may_override(make_user, vendor):
    owner_not_lead = make_user(Role.BUSINESS_OWNER)
    from vendors.services import vendor_grant_view

    vendor_grant_view(actor=vendor.owner, vendor=vendor, user=owner_not_lead)

    with pytest.raises(PermissionDenied):
        tier_override(actor=owner_not_lead, vendor=vendor, tier="low", reason="I think so")
    assert Vendor.objects.get(pk=vendor.pk).tier == ""
    assert not TierAssessment.objects.exists()


@pytest.mark.django_db
def test_a_new_questionnaire_replaces_an_override(lead, vendor):
    tier_override(actor=lead, vendor=vendor, tier="critical", reason="Pending review")
    tier_assess(actor=lead, vendor=vendor, answers=answers(data_sensitivity="personal"))

    vendor.refresh_from_db()
    assert (vendor.tier, vendor.tier_overridden) == ("medium", False)
    assert vendor.tier_assessments.count() == 2


@pytest.mark.django_db
def test_the_tier_page_shows_reasons_and_override(client, lead, vendor):
    client.force_login(lead)
    tier_assess(actor=lead, vendor=vendor, answers=answers(data_sensitivity="special_category", high_risk_use="yes"))

    page = client.get(vendor.get_absolute_url()).content.decode()
    assert "Critical because: special-category personal data AND EU AI Act high-risk use" in page
    assert "Override</span>" not in page

    tier_override(actor=lead, vendor=vendor, tier="high", reason="Use limited to a pilot")
    page = client.get(vendor.get_absolute_url()).content.decode()
    listing = client.get("/vendors/").content.decode()
    assert "High by manual override: Use limited to a pilot" in page
    assert "Override</span>" in page and "Override</span>" in listing
