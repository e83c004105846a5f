"""A lead runs the first part of an award procedure in the browser, with the business owner and two evaluators."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from awards import prerequisites
from awards.models import AwardProcedure, ConflictDeclaration, PovProtocol, Question
from procurement.accounts.roles import Role
from procurement.people import person_label
from tests.factories.vendors import VendorFactory


@pytest.fixture
def only_this_apps_checks(monkeypatch):
    """The procedure's own stage prerequisites; the scorecard's have their own browser test."""
    own = {stage: [c for c in checks if c.__module__ == "awards.checks"]
           for stage, checks in prerequisites._REGISTRY.items()}
    monkeypatch.setattr(prerequisites, "_REGISTRY", own)


def test_lead_runs_the_procedure_to_a_locked_pov(page, live_server, login, make_user, only_this_apps_checks):
    lead = make_user(Role.PROCUREMENT_LEAD, first_name="Lena", last_name="Okafor")
    owner = make_user(Role.BUSINESS_OWNER, first_name="Owen", last_name="Fletcher")
    first = make_user(Role.EVALUATOR, first_name="Evan", last_name="Marsh")
    second = make_user(Role.EVALUATOR, first_name="Ines", last_name="Duarte")
    vendors = [VendorFactory(legal_name=f"{name} Ltd", trading_name=name, tier=tier)
               for name, tier in (("Brightdesk", "high"), ("Meridian", "medium"), ("Sable", "low"))]

    def switch_to(user):
        page.get_by_role("button", name="Sign out").click()
        login(user)

    # The lead creates the procedure.
    login(lead)
    page.get_by_role("link", name="Award procedures").click()
    page.get_by_role("link", name="New award procedure").click()
    page.get_by_label("Title").fill("LLM assistant for customer support")
    page.get_by_label("Need statement").fill("Deflect routine tier-1 tickets with cited answers.")
    page.get_by_label("Business owner").select_option(label=person_label(owner))
    page.get_by_label("Category").select_option(label="AI SaaS tool")
    page.get_by_label("Estimated contract value").fill("300000")
    page.get_by_label("Term (months)").fill("24")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="LLM assistant for customer support")).to_be_visible()
    reference = AwardProcedure.objects.get().reference
    expect(page.get_by_text(reference).first).to_be_visible()

    # Requirements.
    for title, priority in (("Cites the help-centre article it used", "Must"), ("Hands over to an agent", "Should")):
        page.get_by_role("link", name="Add a requirement").click()
        page.get_by_label("Title").fill(title)
        page.get_by_label("Priority").select_option(label=priority)
        page.get_by_role("button", name="Add").click()
        expect(page.get_by_text(title)).to_be_visible()

    # Three vendors from the registry.
    page.get_by_role("link", name="Invite vendors").click()  # issue 21: several at once
    for vendor in vendors:
        page.get_by_role("checkbox", name=f"{vendor} ({vendor.get_tier_display()})").check()
    page.get_by_role("button", name="Invite").click()
    expect(page.get_by_role("link", name="Sable", exact=True)).to_be_visible()

    # The timeline, first out of order (explained next to the field), then right.
    today = timezone.localdate()
    page.get_by_role("link", name="Set the timeline").click()
    dates = {"RFP issue date": today, "Question deadline": today + timedelta(days=10),
             "Proposals due": today + timedelta(days=5), "Demo/POV window opens": today + timedelta(days=25),
             "Demo/POV window closes": today + timedelta(days=30), "Target award date": today + timedelta(days=45)}
    for label, value in dates.items():
        page.get_by_label(label, exact=True).fill(value.isoformat())
    page.get_by_role("button", name="Save timeline").click()
    expect(page.locator("#id_proposals_due_error")).to_contain_text("must be after the question deadline")
    page.get_by_label("Proposals due", exact=True).fill((today + timedelta(days=20)).isoformat())
    page.get_by_role("button", name="Save timeline").click()
    expect(page.get_by_role("heading", name="Timeline")).to_be_visible()

    # Move to Requirements; the RFP is blocked until the business owner agrees.
    page.get_by_label("Reason for moving on").fill("Need agreed with Customer Support")
    page.get_by_role("button", name="Move to Requirements").click()
    expect(page.locator("#next-stage")).to_contain_text("2 requirements not yet agreed")

    switch_to(owner)
    page.goto(f"{live_server.url}/procedures/{reference}/")
    page.get_by_role("button", name="Agree all outstanding requirements").click()
    expect(page.get_by_text("2 requirements agreed.")).to_be_visible()

    switch_to(lead)
    page.goto(f"{live_server.url}/procedures/{reference}/")
    expect(page.locator("#next-stage")).to_contain_text("Every prerequisite is met.")
    page.get_by_label("Reason for moving on").fill("RFP pack sent")
    page.get_by_role("button", name="Move to RFP issued").click()
    expect(page.locator(".award-stage")).to_contain_text("RFP issued")

    # Two evaluators.
    page.get_by_role("link", name="Assign evaluators").click()  # issue 21: several at once, by person picker
    for evaluator in (first, second):
        page.get_by_role("checkbox", name=person_label(evaluator)).check()
    page.get_by_role("button", name="Assign").click()
    expect(page.locator("#evaluators")).to_contain_text("Ines Duarte")

    # A bidder's question, answered and published without naming the asker.
    page.get_by_role("link", name="Log a bidder's question").click()
    page.get_by_label("Asked by").select_option(label="Meridian")
    page.get_by_label("Question as received").fill("Meridian asks: may the pilot run in our EU region?")
    page.get_by_role("button", name="Log it").click()
    page.get_by_role("link", name="Answer Q1").click()
    page.get_by_label("Question as published").fill("May the pilot run in the bidder's own EU region?")
    page.get_by_label("Answer").fill("Yes, if production uses the same EU region.")
    page.get_by_role("button", name="Save the answer").click()
    page.get_by_role("button", name="Publish Q1 to all bidders").click()
    expect(page.get_by_text("published to all bidders, without saying who asked")).to_be_visible()
    assert Question.objects.get().published_at is not None

    # A POV protocol for the high-tier bid, locked before the demo window.
    page.get_by_role("link", name="Brightdesk", exact=True).click()
    page.get_by_role("link", name="Add a success criterion").click()
    page.get_by_label("Metric").fill("Answer accuracy on our 200 tickets")
    page.get_by_label("Comparator").select_option(label="≥ (at least)")
    page.get_by_label("Threshold").fill("85")
    page.get_by_label("Unit").fill("%")
    page.get_by_label("Test set").fill("200 anonymised tier-1 tickets from last quarter")
    page.get_by_role("button", name="Add").click()
    page.get_by_role("link", name="Lock the protocol…").click()
    page.get_by_role("button", name="Lock the protocol").click()
    expect(page.get_by_role("status", name="Messages")).to_contain_text("POV protocol locked")
    assert PovProtocol.objects.get().is_locked

    # The evaluators declare: one without conflict, one with a conflict for the lead to review.
    switch_to(first)
    page.goto(f"{live_server.url}/procedures/{reference}/")
    for vendor in vendors:
        page.get_by_role("link", name=f"Declare for {vendor}").click()
        page.get_by_label("No conflict").check()
        page.get_by_role("button", name="Declare").click()
    expect(page.get_by_role("link", name="Brightdesk", exact=True)).to_be_visible()  # now the bids open

    switch_to(second)
    page.goto(f"{live_server.url}/procedures/{reference}/")
    page.get_by_role("link", name="Declare for Sable").click()
    page.get_by_label("Yes, I have a conflict to declare").check()
    page.get_by_role("button", name="Declare").click()
    expect(page.locator(".error-summary")).to_be_visible()  # a conflict needs a description
    page.get_by_label("Yes, I have a conflict to declare").check()
    page.get_by_label("Description").fill("My brother leads Sable's support engineering team.")
    page.get_by_role("button", name="Declare").click()
    expect(page.locator("#my-declarations")).to_contain_text(re.compile("Conflict awaiting review"))

    assert ConflictDeclaration.objects.filter(assignment__evaluator=first, review="not_needed").count() == 3
    assert ConflictDeclaration.objects.get(assignment__evaluator=second).review == "pending"
