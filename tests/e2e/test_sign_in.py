import re

from playwright.sync_api import expect

from procurement.accounts.roles import Role


def test_sign_in_see_home_and_sign_out(page, live_server, login, make_user):
    lead = make_user(Role.PROCUREMENT_LEAD, first_name="Lena", last_name="Okafor")

    login(lead)

    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", name="My work")).to_be_visible()
    expect(page.get_by_text("Tiers vendors, runs award procedures")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in to Baton")).to_be_visible()
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))


def test_wrong_password_is_explained(page, login, make_user):
    user = make_user(Role.EVALUATOR)

    login(user, password="not-the-password")

    expect(page.get_by_role("alert")).to_contain_text("correct username and password")


def test_sign_in_with_the_keyboard_alone(page, live_server, make_user):
    from tests.factories.accounts import TEST_PASSWORD

    user = make_user(Role.AUDITOR)
    page.goto(f"{live_server.url}/accounts/login/")

    expect(page.get_by_label("Username")).to_be_focused()
    page.keyboard.type(user.username)
    page.keyboard.press("Tab")
    page.keyboard.type(TEST_PASSWORD)
    page.keyboard.press("Enter")

    expect(page.get_by_text("Reads every record and its full history")).to_be_visible()
