"""A Procurement lead registers a vendor, tiers it, sees the due-diligence checklist and fills a gap."""

import re
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from procurement.accounts.roles import Role
from tests.factories.vendors import PDF_BYTES


def test_lead_registers_tiers_and_documents_a_vendor(page, live_server, login, make_user):
    lead = make_user(Role.PROCUREMENT_LEAD, first_name="Lena", last_name="Okafor")
    login(lead)

    page.get_by_role("link", name="Vendors").first.click()
    page.get_by_role("link", name="Register a vendor").click()
    page.get_by_label("Legal name").fill("Orchid Voice Analytics Ltd")
    page.get_by_label("Trading name").fill("Orchid Voice")
    page.get_by_label("Country").select_option("IE")
    page.get_by_label("Offering type").select_option(label="AI SaaS tool")
    page.get_by_label("EU AI Act role").select_option(label="Provider")
    page.get_by_role("checkbox", name="Personal data", exact=True).check()
    page.get_by_role("button", name="Register vendor").click()

    expect(page.get_by_role("heading", level=1, name="Orchid Voice")).to_be_visible()
    expect(page.get_by_text("Not tiered yet.")).to_be_visible()

    page.get_by_role("link", name="Answer the tiering questionnaire").click()
    page.get_by_label("Data sensitivity").select_option(label="Personal data")
    page.get_by_label("Business criticality").select_option(label="Little effect")
    page.get_by_label("Impact on people").select_option(label="No decisions about people")
    page.get_by_label("EU AI Act high-risk use").select_option(label="No")
    page.get_by_label("Autonomy and integration depth").select_option(
        label="Stand-alone, a person reviews every output")
    page.get_by_label("Annual spend").select_option(label="Under €50k")
    page.get_by_label("Substitutability").select_option(label="Easy: alternatives ready, little lock-in")
    page.get_by_role("button", name="Work out the tier").click()

    expect(page.get_by_test_id("tier-explanation")).to_have_text("Medium because: personal data")
    checklist = page.get_by_test_id("dd-checklist")
    questionnaire = checklist.locator("li", has_text="Security questionnaire")
    expect(questionnaire).to_have_class(re.compile(r"check-gap"))
    expect(questionnaire).to_contain_text("nothing uploaded")
    expect(page.get_by_text("0 of 6 met")).to_be_visible()

    page.get_by_role("link", name="Upload evidence").click()
    page.get_by_label("File").set_input_files(
        {"name": "security-questionnaire.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES})
    page.get_by_label("Title").fill("Security questionnaire 2026")
    page.get_by_label("Kind of evidence").select_option(label="Security questionnaire")
    page.get_by_label("Source").select_option(label="Vendor self-reported")
    page.get_by_label("Effective date").fill((timezone.localdate() - timedelta(days=7)).isoformat())
    page.get_by_role("button", name="Upload").click()

    expect(page.get_by_text("awaits review")).to_be_visible()
    expect(questionnaire).to_contain_text("awaiting review")
    expect(questionnaire).to_have_class(re.compile(r"check-gap"))

    page.get_by_role("link", name="Review", exact=True).click()
    page.get_by_label("Outcome").select_option(label="Accepted")
    page.get_by_role("button", name="Record review").click()

    expect(questionnaire).to_have_class(re.compile(r"check-met"))
    expect(questionnaire).to_contain_text("accepted (Security questionnaire 2026")
    expect(page.get_by_text("1 of 6 met")).to_be_visible()
