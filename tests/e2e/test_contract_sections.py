"""The contract page's sections in the browser (issue 18): a tab loads its section in place with htmx and puts
its address in the history, so the back button returns to the previous section; the tabs work from the
keyboard; a section that does not apply yet is collapsed with the reason."""

import re

from playwright.sync_api import expect

from contracts.services import playbook_seed
from procurement.accounts.roles import Role
from tests.e2e.sections import open_section
from tests.factories.contracts import held_kickoff, open_contract


def test_tabs_load_sections_in_place_keep_history_and_work_from_the_keyboard(page, live_server, login, make_user):
    playbook_seed()
    lead = make_user(Role.PROCUREMENT_LEAD, first_name="Lena", last_name="Okafor")
    manager = make_user(Role.POST_AWARD_MANAGER, first_name="Marco", last_name="Ruiz")
    contract = open_contract(lead=lead, manager=manager)
    held_kickoff(contract, lead=lead, manager=manager)
    overview = f"{live_server.url}{contract.get_absolute_url()}"
    negotiation = f"{overview}section/negotiation/"

    login(lead)
    page.goto(overview)
    expect(page.locator("#alerts")).to_be_visible()
    expect(page.locator("#clauses")).to_have_count(0)
    page.evaluate("window.batonSamePage = true")  # survives only if the tab does not reload the page

    # A click swaps the section in place and pushes its address.
    open_section(page, "Kickoff and clauses")
    expect(page).to_have_url(negotiation)
    expect(page).to_have_title(re.compile(r"— Kickoff and clauses · Baton$"))
    expect(page.locator("#clauses")).to_be_visible()
    expect(page.locator("#alerts")).to_have_count(0)
    assert page.evaluate("window.batonSamePage === true")
    assert page.evaluate("document.activeElement.id") == "tab-negotiation"  # focus stays on the chosen tab

    # From the keyboard: the next tab is one Tab key away, Enter opens it.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "tab-handoff"
    page.keyboard.press("Enter")
    expect(page.locator("nav.contract-tabs [aria-current=page]")).to_contain_text("Handoff")
    expect(page.locator("#checklist")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/section/handoff/$"))

    # Back goes to the previous section, then to the overview.
    page.go_back()
    expect(page).to_have_url(negotiation)
    expect(page.locator("#clauses")).to_be_visible()
    page.go_back()
    expect(page).to_have_url(overview)
    expect(page.locator("#alerts")).to_be_visible()

    # Payments do not apply while the contract is negotiated: collapsed, with the reason.
    open_section(page, "Payments and changes")
    reason = page.locator("details.not-yet-section > summary")
    expect(reason).to_contain_text("once the contract is signed")
    expect(page.locator("#payments")).to_be_hidden()
    reason.click()
    expect(page.locator("#payments")).to_be_visible()

    # A section's address opened directly is the whole page with that tab current (bookmarks, no JavaScript).
    page.goto(negotiation)
    expect(page.get_by_role("heading", level=1)).to_contain_text(contract.reference)
    expect(page.locator("nav.contract-tabs [aria-current=page]")).to_contain_text("Kickoff and clauses")
