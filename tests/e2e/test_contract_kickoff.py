"""The lead opens a contract, holds the kickoff with the post-award manager and sets clause positions; the
post-award manager leaves feedback, renders the handoff pack, downloads it and acknowledges receipt."""

import io
import re
import zipfile
from pathlib import Path

from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from contracts.models import Contract, PackAcknowledgement
from contracts.services import playbook_seed
from procurement.accounts.roles import Role
from procurement.documents.models import RenderedDocument
from tests.e2e.sections import open_section
from tests.factories.contracts import approved_memo, settle_clauses


def test_contract_kickoff_to_acknowledged_handoff_pack(page, live_server, login, make_user):
    playbook_seed()  # the live server's transactional tests flush the migration's rows
    lead = make_user(Role.PROCUREMENT_LEAD, first_name="Lena", last_name="Okafor")
    manager = make_user(Role.POST_AWARD_MANAGER, first_name="Marco", last_name="Ruiz")
    # The award's approved decision memo, as rows (its approval route is covered by the awards tests).
    memo = approved_memo(author=lead, vendor__legal_name="Quill Models Ltd", contract_value=310000)
    bid = memo.recommended_bid

    # The lead opens the contract from the approved memo: it names the bid, the vendor and the value.
    login(lead)
    page.get_by_role("link", name="Contracts").first.click()
    page.get_by_role("link", name="Open a contract").click()
    page.get_by_label("Approved decision memo").select_option(value=str(memo.pk))
    page.get_by_label("Post-award contract manager").select_option(label="Marco Ruiz")
    page.get_by_role("button", name="Open the contract").click()
    contract = Contract.objects.get(bid=bid)
    assert contract.memo == memo and contract.value == 310000
    expect(page.get_by_role("heading", level=1)).to_contain_text(contract.reference)

    # Plan and hold the kickoff with the post-award manager (in the page's kickoff and clauses section).
    open_section(page, "Kickoff and clauses")
    page.get_by_role("link", name="Edit the kickoff plan").click()
    page.get_by_label("Meeting date").fill(timezone.localdate().isoformat())
    page.get_by_label("Goals").fill("Pin the model version and get service credits.")
    page.get_by_role("button", name="Save").click()
    page.get_by_role("link", name="Record the kickoff as held").click()
    expect(page.get_by_text("The post-award contract manager must be among the attendees.")).to_be_visible()
    page.get_by_role("link", name="Back to the contract").click()
    page.get_by_role("link", name="Add an attendee").click()
    page.get_by_label("Person").select_option(label="Marco Ruiz")
    page.get_by_label("Role at the kickoff").select_option(label="Post-award contract manager")
    page.get_by_role("button", name="Add").click()
    page.get_by_role("link", name="Record the kickoff as held").click()
    page.get_by_role("button", name="Kickoff held").click()
    expect(page.locator("#kickoff")).to_contain_text("Held")

    # Clause positions: the vendor's position on one, agreement on another.
    clauses = list(contract.clauses.all())
    first, second = clauses[0], clauses[1]
    page.locator(f"#clause-{first.pk}").get_by_role("link", name="Edit positions").click()
    page.get_by_label("The vendor's current position").fill("Accepts our wording with a 60-day carve-out.")
    page.get_by_role("button", name="Save").click()
    page.locator(f"#clause-{first.pk}").get_by_role("link", name="Mark agreed").click()
    page.get_by_role("button", name="Confirm: Agreed").click()
    expect(page.get_by_text("Summarise the wording that was agreed.").first).to_be_visible()
    page.get_by_label("Agreed wording (summary)").fill("Our wording, 60-day carve-out for support tooling.")
    page.get_by_role("button", name="Confirm: Agreed").click()
    expect(page.locator(f"#clause-{first.pk}")).to_contain_text("Agreed")

    # The post-award manager gives feedback, renders, downloads and acknowledges the pack.
    page.context.clear_cookies()
    login(manager)
    page.goto(f"{live_server.url}{contract.get_absolute_url()}")
    open_section(page, "Kickoff and clauses")
    page.locator(f"#clause-{second.pk}").get_by_role("link", name="Give feedback").click()
    page.get_by_label("Topic").select_option(label="Reporting obligations")
    page.get_by_label("Feedback").fill("We need a monthly report of model versions in use.")
    page.get_by_role("button", name="Send feedback").click()
    expect(page.locator(f"#clause-{second.pk}")).to_contain_text("Unresolved")

    open_section(page, "Handoff")
    page.locator("#pack").get_by_role("button", name="Render PDF").click()
    expect(page.locator("#pack").get_by_text("Download", exact=False).first).to_be_visible(timeout=30000)
    page.reload()
    with page.expect_download() as info:
        page.get_by_role("link", name=re.compile("Download the latest pack")).click()
    archive = zipfile.ZipFile(io.BytesIO(Path(info.value.path()).read_bytes()))
    assert f"{contract.reference}-handoff-pack-v1.pdf" in archive.namelist()
    assert f"{contract.reference}-key-dates.ics" in archive.namelist()

    # While clauses are still being negotiated the pack is a draft and receipt is refused, naming them.
    page.get_by_role("link", name="Acknowledge receipt").click()
    page.get_by_role("button", name="I have received it").click()
    expect(page.get_by_text("still being negotiated").first).to_be_visible()
    assert not PackAcknowledgement.objects.filter(contract=contract).exists()

    # Once the lead has settled every clause, the manager renders the final pack and acknowledges it.
    settle_clauses(contract, lead=lead)
    page.goto(f"{live_server.url}{reverse('contracts:section', args=[contract.reference, 'handoff'])}")
    expect(page.locator("#pack")).to_contain_text("that pack is stale")
    page.locator("#pack").get_by_role("button", name="Render the current version").click()
    for _ in range(300):  # the second version renders in the request htmx sent; wait until it is stored
        if RenderedDocument.objects.filter(object_id=contract.pk, kind="contract_handoff_pack", version=2,
                                           status=RenderedDocument.Status.READY).exists():
            break
        page.wait_for_timeout(100)
    page.reload()
    expect(page.get_by_role("link", name=re.compile("Download the latest pack \\(version 2\\)"))).to_be_visible()
    page.get_by_role("link", name="Acknowledge receipt").click()
    page.get_by_role("button", name="I have received it").click()
    expect(page.locator("#pack")).to_contain_text("received by Marco Ruiz")
    assert PackAcknowledgement.objects.get(contract=contract).acknowledged_by == manager
