"""The role table and the provider's word, as pure functions (procurement.sso.rolemap)."""

import pytest

from procurement.sso import rolemap
from procurement.sso.services import known_roles


def test_the_table_reads_entries_separated_by_semicolons_or_new_lines_and_keeps_their_order():
    text = " baton-leads = Procurement lead ;\n audit=Auditor;;baton-leads=Evaluator\n"

    assert rolemap.parse_role_map(text) == (("baton-leads", "Procurement lead"), ("audit", "Auditor"),
                                            ("baton-leads", "Evaluator"))
    assert rolemap.parse_role_map("") == ()


def test_a_value_holding_an_equals_sign_keeps_it_the_role_is_after_the_last_one():
    assert rolemap.parse_role_map("cn=leads,ou=baton=Procurement lead") == (("cn=leads,ou=baton",
                                                                             "Procurement lead"),)


@pytest.mark.parametrize("text", ["baton-leads", "=Auditor", "audit=", "audit=Auditor; just-a-group"])
def test_an_entry_without_both_sides_is_refused_naming_it(text):
    with pytest.raises(rolemap.RoleMapError, match="is not written as"):
        rolemap.parse_role_map(text)


def test_roles_are_matched_by_value_or_label_in_any_case_and_an_unknown_role_is_refused():
    table = rolemap.parse_role_map("a=procurement LEAD; b=Post-award contract manager")

    assert rolemap.canonical_roles(table, known_roles()) == (("a", "Procurement lead"),
                                                             ("b", "Post-award manager"))
    with pytest.raises(rolemap.RoleMapError, match="'Admin' .* is not a Baton role"):
        rolemap.canonical_roles((("x", "Admin"),), known_roles())


def test_claims_give_the_roles_of_every_value_they_carry_and_nothing_for_lookalikes():
    table = (("leads", "Procurement lead"), ("leads", "Evaluator"), ("audit", "Auditor"))

    assert rolemap.roles_from_claims({"groups": ["leads", "other"]}, table, "groups") == {"Procurement lead",
                                                                                        "Evaluator"}
    assert rolemap.roles_from_claims({"groups": "audit"}, table, "groups") == {"Auditor"}
    assert rolemap.roles_from_claims({"groups": ["LEADS", "lead", " audit-x"]}, table, "groups") == set()
    assert rolemap.roles_from_claims({"groups": {"nested": "leads"}}, table, "groups") == set()
    assert rolemap.roles_from_claims({"roles": ["audit"]}, table, "roles") == {"Auditor"}
    assert rolemap.roles_from_claims({}, table, "groups") == set()


@pytest.mark.parametrize(("claims", "refused"), [
    ({"groups": ["baton-users"], "account_status": "active"}, False),
    ({"groups": ["baton-users"]}, False),  # no status claim: nothing said
    ({"groups": ["baton-users"], "account_status": "Disabled"}, True),
    ({"groups": ["baton-users"], "account_status": False}, True),
    ({"groups": ["baton-users"], "account_status": "suspended"}, True),
    ({"groups": ["other"], "account_status": "active"}, True),  # access withdrawn
    ({"account_status": "active"}, True),
])
def test_the_provider_refuses_by_its_status_claim_or_by_withdrawing_the_access_group(claims, refused):
    said = rolemap.provider_refusal(claims, groups_claim="groups", access_group="baton-users",
                                    status_claim="account_status")

    assert bool(said) is refused


def test_with_neither_configured_the_provider_never_refuses():
    assert rolemap.provider_refusal({"account_status": "disabled"}, groups_claim="groups", access_group="",
                                    status_claim="") == ""


def test_a_change_reads_the_same_whatever_the_order():
    assert rolemap.describe_change({"Evaluator", "Auditor"}, {"Procurement lead"}) == \
        "+Auditor +Evaluator -Procurement lead"
