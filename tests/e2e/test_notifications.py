"""In a real browser: the unread count in the navigation, the inbox link to the object, preferences, search."""

import re

from playwright.sync_api import expect

from awards import services
from procurement.accounts.roles import Role


def test_an_assigned_evaluator_follows_the_notification_and_searches(page, live_server, login, make_user, procedure,
                                                                       lead):
    evaluator = make_user(Role.EVALUATOR)
    services.evaluator_assign(actor=lead, procedure=procedure, evaluator=evaluator)

    login(evaluator)
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name=re.compile(r"Notifications.*1"))).to_be_visible()
    nav.get_by_role("link", name=re.compile("Notifications")).click()
    page.get_by_role("link", name=re.compile(f"evaluator on {procedure.reference}")).click()
    expect(page).to_have_url(re.compile(re.escape(procedure.get_absolute_url()) + "$"))
    expect(nav.get_by_role("link", name=re.compile("Notifications"))).not_to_contain_text("1")

    page.goto(f"{live_server.url}/notifications/preferences/")
    page.get_by_label("Email — You were assigned as an evaluator").uncheck()
    page.get_by_role("button", name="Save preferences").click()
    expect(page.get_by_role("status", name="Messages")).to_contain_text("preferences are saved")
    expect(page.get_by_label("Email — You were assigned as an evaluator")).not_to_be_checked()

    page.get_by_label("Search vendors, procedures, memos and contracts").fill(procedure.reference)
    page.get_by_label("Search vendors, procedures, memos and contracts").press("Enter")
    expect(page.get_by_role("link", name=re.compile(procedure.reference))).to_be_visible()
