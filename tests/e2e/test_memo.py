"""The lead writes and submits the award decision memo; two approvers sign with their passwords; the memo is
approved; its PDF and a debrief letter download."""

import re
from decimal import Decimal

from playwright.sync_api import expect

from awards.models import DecisionMemo
from procurement.accounts.roles import Role
from tests.factories.accounts import TEST_PASSWORD
from tests.factories.memos import EC, PM, RC, committee, shortlisted_procedure


def test_memo_from_draft_to_approval_pdf_and_debrief(page, live_server, login, make_user):
    lead = make_user(Role.PROCUREMENT_LEAD, first_name="Lena", last_name="Okafor")
    approvers = [make_user(Role.COMMITTEE_APPROVER, first_name=first, last_name=last)
                 for first, last in (("Ada", "Byrne"), ("Grace", "Hollis"))]
    committee(PM, *approvers, quorum=2)
    committee(RC, quorum=1)
    committee(EC, quorum=1)
    shortlist = shortlisted_procedure(lead=lead, value=Decimal("60000"))
    reference = shortlist.procedure.reference
    winner, runner_up, third = (str(b.vendor) for b in shortlist.bids)

    def switch_to(user):
        page.get_by_role("button", name="Sign out").click()
        login(user)

    # The lead writes the memo.
    login(lead)
    page.goto(f"{live_server.url}/procedures/{reference}/")
    page.get_by_role("button", name="Write the award decision memo").click()
    page.get_by_label("Recommended bid").select_option(label=winner)
    page.get_by_label("Recommendation", exact=True).fill("Highest score on **accuracy**; cleanest data terms.")
    page.get_by_label(f"Why not {runner_up}").fill("Lower accuracy on our tickets.")
    page.get_by_label(f"Why not {third}").fill("Weakest on integration.")
    page.get_by_label("Walk-away points").fill("Any right to train on our data.")
    page.get_by_role("button", name="Save the memo").click()
    expect(page.get_by_role("heading", name="Recommendation", exact=True)).to_be_visible()
    page.locator("summary", has_text="Submit for approval").click()
    page.get_by_role("button", name="Yes, submit for approval").click()
    expect(page.get_by_text("Submitted for approval.")).to_be_visible()
    expect(page.locator(".status-in_approval").first).to_be_visible()

    # Two approvers sign; the first mistypes the password once.
    for index, approver in enumerate(approvers):
        switch_to(approver)
        page.goto(f"{live_server.url}/procedures/memos/waiting/")
        page.get_by_role("link", name=reference).click()
        page.get_by_role("link", name="Sign this memo").click()
        page.get_by_label("Approve", exact=True).check()
        page.get_by_label("Comment").fill(f"Approved by {approver.first_name}")
        page.get_by_label("I have read this version").check()
        if index == 0:
            page.get_by_label("Your password").fill("not-my-password")
            page.get_by_role("button", name="Record my decision").click()
            expect(page.locator("#id_password_error")).to_contain_text("not your password")
            page.get_by_label("I have read this version").check()
        page.get_by_label("Your password").fill(TEST_PASSWORD)
        page.get_by_role("button", name="Record my decision").click()
        expect(page.get_by_text("Your decision is recorded")).to_be_visible()

    expect(page.locator(".status-approved").first).to_be_visible()
    assert DecisionMemo.objects.get(procedure=shortlist.procedure).is_approved

    # The lead downloads the memo PDF and a debrief letter.
    switch_to(lead)
    page.goto(f"{live_server.url}/procedures/{reference}/memo/")
    with page.expect_download() as memo_pdf:
        page.get_by_role("link", name=re.compile(rf"Download {reference}-award-memo-v1\.pdf")).click()
    assert memo_pdf.value.suggested_filename == f"{reference}-award-memo-v1.pdf"
    debrief = page.locator(".panel", has=page.get_by_role("heading", name=runner_up))
    debrief.get_by_role("button", name="Render PDF").click()
    with page.expect_download() as letter:
        debrief.get_by_role("link", name=re.compile("Download")).click()
    assert letter.value.suggested_filename.startswith(f"{reference}-debrief")
