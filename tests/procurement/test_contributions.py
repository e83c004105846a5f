"""The kernel knows the apps only through what each declares on its AppConfig (procurement.contributions), and
a system check refuses a contribution that names something that does not import."""

from types import SimpleNamespace

from django.core.management import call_command

from procurement.contributions import (
    Contributions,
    DemoStep,
    NavEntry,
    NotificationKind,
    SearchSource,
    check_contributions,
    collect,
)

# The values stored in notification rows before the kinds moved to the apps: they must not change.
STORED_KINDS = {"evaluator_assigned", "scoring_deadline", "memo_routed", "memo_decided", "kickoff_invitation",
                "pack_ready", "breach", "expiry", "payment_late", "usage_forecast", "renewal_notice",
                "reassessment_due", "change_order", "incident"}


def _app(label: str, contributions) -> SimpleNamespace:
    return SimpleNamespace(label=label, contributions=contributions)


def test_every_installed_app_contribution_imports():
    assert check_contributions() == []
    call_command("check")  # raises SystemCheckError on any error


def test_the_registry_holds_what_the_kernel_used_to_list_by_hand():
    registry = collect()

    assert [s.key for s in registry.search] == ["vendors", "procedures", "memos", "contracts"]
    assert {k.value for k in registry.notification_kinds} == STORED_KINDS | {
        "award_notice", "scorecard_changed", "timeline_changed",
        # issue 20: the bidders' portal
        "bidder_notice", "bidder_question", "bid_opening", "bid_received", "vendor_self_report"}
    assert [e.url_name for e in registry.navigation] == [
        "home", "vendors:list", "awards:procedure_list", "contracts:list", "contracts:portfolio", "audit:log",
        "notifications:inbox", "exchange_rates", "webhooks:list", "policy:index"]
    assert [u.module for u in registry.urls if not u.module.startswith("procurement.")] == [
        "vendors.urls", "vendors.policy.urls", "awards.urls", "awards.portal.urls", "awards.policy.urls",
        "contracts.urls", "contracts.policy.urls"]
    # issue 21: the policy tables, in the order the policy index lists them
    assert list(registry.policy_tables) == [
        "committees", "approval_matrix", "tiering_rules", "dd_plans", "risk_acceptance", "clause_playbook",
        "kpi_templates", "checkin_templates", "reminder_lead_times"]
    assert set(registry.audited) == {"vendors.vendor", "awards.awardprocedure", "awards.bid",
                                     "awards.decisionmemo", "contracts.contract", "procurement.exchangerate",
                                     "webhooks.webhooksubscription"}
    assert [(a.prefix, a.router) for a in registry.api] == [
        ("vendors/", "vendors.api.router"), ("procedures/", "awards.api.router"), ("memos/", "awards.api.memo_router"),
        ("contracts/", "contracts.api.router"), ("ocds/", "contracts.ocds.api.router")]
    assert [e.value for e in registry.webhook_events] == [
        "attestation.expired", "memo.approved", "award.notified", "contract.signed", "pack.acknowledged",
        "kpi.breached"]
    assert [s.step for s in registry.demo][0] == "procurement.demo.seed_step"
    assert {"vendors.dossier", "awards.memo_documents", "contracts.documents"} <= set(registry.all("document_kinds"))


def test_the_check_names_the_app_and_the_missing_thing():
    bogus = _app("bogus", Contributions(
        panels="bogus_app.dashboard.panels",
        search=(SearchSource("bogus", "Bogus", "procurement.search.no_such_finder"),),
        navigation=(NavEntry("Bogus", "home", counter="procurement.dashboard.no_counter"),),
        document_kinds=("bogus_app.documents",),
        demo=(DemoStep(5, "procurement.demo.nothing_here"),),
    ))

    errors = check_contributions(app_configs=[bogus])

    assert {e.id for e in errors} == {"procurement.E100"}
    messages = "\n".join(e.msg for e in errors)
    assert len(errors) == 5
    assert all(e.msg.startswith("App 'bogus' contributes") for e in errors)
    for missing in ("bogus_app.dashboard.panels", "procurement.search.no_such_finder",
                    "procurement.dashboard.no_counter", "bogus_app.documents", "procurement.demo.nothing_here"):
        assert missing in messages


def test_the_check_refuses_a_contributions_that_is_not_one_and_a_kind_declared_twice():
    twice = (NotificationKind("breach", "A contract commitment was breached"),)
    errors = check_contributions(app_configs=[_app("one", Contributions(notification_kinds=twice)),
                                              _app("two", Contributions(notification_kinds=twice)),
                                              _app("three", {"panels": "x.y"})])

    assert sorted(e.id for e in errors) == ["procurement.E101", "procurement.E102"]
    assert any("'breach'" in e.msg for e in errors)
