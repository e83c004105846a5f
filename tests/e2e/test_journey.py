"""The whole relay in a real browser, played through the UI by the six roles.

The procurement lead tiers a vendor and runs an award procedure; the business owner agrees the requirements;
two evaluators declare no conflict and score with the keyboard; the lead confirms the knockouts, shortlists and
writes the decision memo; a committee approver waives the winner's incomplete due diligence with a reason, and
two committee approvers sign the memo with their passwords; the lead opens the contract
from the approved memo and holds the kickoff with the post-award contract manager, who gives clause feedback,
renders and acknowledges the handoff pack and records a milestone; the auditor reads the audit log and the
procedure's merged history.

Each step takes a full-page screenshot into test-artifacts/journey/ (git-ignored, kept after the run) so a
person can look at every screen, and runs axe-core on the page: no serious or critical violation anywhere.

Set up outside the browser, as an administrator or the registry would have it: the people (users with
roles), the approval committee's membership, and a second low-tier vendor already in the registry.
"""

import re
import shutil
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from awards.models import AwardProcedure, Bid, DecisionMemo, SignOff
from contracts.models import Contract, PackAcknowledgement
from contracts.services import playbook_seed
from procurement.accounts.roles import Role
from procurement.people import person_label
from tests.e2e.a11y import axe_violations, describe
from tests.e2e.sections import open_section
from tests.factories.accounts import TEST_PASSWORD
from tests.factories.contracts import settle_clauses
from tests.factories.memos import EC, PM, RC, committee
from tests.factories.scorecards import template
from tests.factories.timeline import age_timeline
from tests.factories.vendors import PDF_BYTES, VendorFactory
from tests.security.figures import record
from vendors.models import Vendor

SHOTS = Path(settings.BASE_DIR) / "test-artifacts" / "journey"


class Journey:
    """Screenshots and axe results, step by step. Accessibility findings are gathered and asserted at the end
    (and at each step's screenshot) so one run reports every page that needs fixing."""

    def __init__(self, page):
        self.page = page
        self.count = 0
        self.findings: list[str] = []
        shutil.rmtree(SHOTS, ignore_errors=True)
        SHOTS.mkdir(parents=True, exist_ok=True)

    def step(self, name: str) -> None:
        self.count += 1
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        self.page.wait_for_load_state("networkidle")
        self.page.screenshot(path=str(SHOTS / f"{self.count:02d}-{slug}.png"), full_page=True)
        expect(self.page.locator("body")).not_to_contain_text("TemplateSyntaxError")
        violations = axe_violations(self.page)
        if violations:
            self.findings.append(f"step {self.count} {name} ({self.page.url}):\n{describe(violations)}")


# Issue 21's walk: the scorecard built on one page, and the bound on its page loads (half of about 230 before).
GROUPS = (("Quality", "40"), ("Security", "25"), ("Commercial", "20"), ("Support", "15"))
CRITERIA = (("Quality", "Answer accuracy"), ("Quality", "Cites its sources"), ("Security", "Data residency"),
            ("Security", "Access control"), ("Commercial", "Total cost"), ("Commercial", "Price certainty"),
            ("Support", "Support hours"))
KNOCKOUTS = ("No training on our data", "EU data residency")
SCORES = {"Quill": 5, "Meridian": 4, "Sable": 3}
WALK_BOUND = 115


class PageLoads:
    """Every document the page's main frame loads (a sign-in, a page, a form post answered by a redirect): what a
    person counts as a page load. htmx requests within a page are not page loads."""

    def __init__(self, page):
        self.count = 0
        page.on("load", self._loaded)

    def _loaded(self, _page) -> None:
        self.count += 1


def settle(page) -> None:
    """Let the builder's live preview (posted 700 ms after typing stops) finish before the next request: the live
    server shares one in-memory SQLite connection between its threads, so two requests at once would collide
    there, as they never do on a database file or PostgreSQL."""
    page.wait_for_timeout(800)
    page.wait_for_load_state("networkidle")


def _switch(page, login, user):
    page.context.clear_cookies()
    login(user)


def test_the_whole_relay_by_six_roles(page, live_server, login, make_user):
    template()
    playbook_seed()
    base = live_server.url
    lead = make_user(Role.PROCUREMENT_LEAD, first_name="Lena", last_name="Okafor")
    owner = make_user(Role.BUSINESS_OWNER, first_name="Owen", last_name="Fletcher")
    evaluators = [make_user(Role.EVALUATOR, first_name="Evan", last_name="Marsh"),
                  make_user(Role.EVALUATOR, first_name="Ines", last_name="Duarte")]
    approvers = [make_user(Role.COMMITTEE_APPROVER, first_name="Amara", last_name="Chen"),
                 make_user(Role.COMMITTEE_APPROVER, first_name="Rafael", last_name="Moreno")]
    manager = make_user(Role.POST_AWARD_MANAGER, first_name="Priya", last_name="Nair")
    auditor = make_user(Role.AUDITOR, first_name="Grace", last_name="Adeyemi")
    committee(PM, *approvers, quorum=2)
    committee(RC, quorum=1)
    committee(EC, quorum=1)
    VendorFactory(legal_name="Meridian Speech Ltd", trading_name="Meridian", tier="low")
    VendorFactory(legal_name="Sable Systems Ltd", trading_name="Sable", tier="low")
    page.on("dialog", lambda dialog: dialog.accept())
    journey = Journey(page)
    today = timezone.localdate()

    # The walk of issue 21, "new vendor → procedure with 3 bids, 7 criteria in 4 groups, 2 knockouts → award",
    # counted in page loads (every document the browser loads: sign-ins, pages, form posts with their redirect).
    # Before issue 21 it took about 230; the bound is half of that.
    loads = PageLoads(page)

    # 1. The lead registers a vendor and tiers it from the questionnaire.
    login(lead)
    expect(page.get_by_role("heading", name="My work")).to_be_visible()
    journey.step("lead home")
    page.get_by_role("link", name="Vendors").first.click()
    journey.step("vendor list")
    page.get_by_role("link", name="Register a vendor").click()
    page.get_by_label("Legal name").fill("Quill Models Ltd")
    page.get_by_label("Trading name").fill("Quill")
    page.get_by_label("Country").select_option("IE")
    page.get_by_label("Offering type").select_option(label="AI SaaS tool")
    page.get_by_label("EU AI Act role").select_option(label="Provider")
    journey.step("register a vendor")
    page.get_by_role("button", name="Register vendor").click()
    page.get_by_role("link", name="Answer the tiering questionnaire").click()
    answers = {"Data sensitivity": "No personal or confidential data", "Business criticality": "Little effect",
               "Impact on people": "No decisions about people", "EU AI Act high-risk use": "No",
               "Autonomy and integration depth": "Stand-alone, a person reviews every output",
               "Annual spend": "Under €50k", "Substitutability": "Easy: alternatives ready, little lock-in"}
    for label, answer in answers.items():
        page.get_by_label(label).select_option(label=answer)
    journey.step("tiering questionnaire")
    page.get_by_role("button", name="Work out the tier").click()
    expect(page.get_by_test_id("tier-explanation")).to_contain_text("Low")
    journey.step("vendor tiered low")
    assert Vendor.objects.get(trading_name="Quill").tier == "low"

    # 2. The lead opens the award procedure.
    page.get_by_role("link", name="Award procedures").click()
    page.get_by_role("link", name="New award procedure").click()
    page.get_by_label("Title").fill("Document summarisation API for claims")
    page.get_by_label("Need statement").fill("Summarise claim files so handlers read one page, not forty.")
    page.get_by_label("Business owner").select_option(label=person_label(owner))
    page.get_by_label("Category").select_option(label="AI SaaS tool")
    page.get_by_label("Estimated contract value").fill("60000")
    page.get_by_label("Term (months)").fill("24")
    page.get_by_label("Received outside Baton and recorded by the lead").check()  # the lead stores the proposals
    page.get_by_role("button", name="Save").click()
    procedure = AwardProcedure.objects.get()
    reference = procedure.reference
    procedure_url = f"{base}/procedures/{reference}/"

    # 3. The requirement and the whole scorecard on one page: 4 groups, 7 criteria, 2 knockouts (issue 21).
    page.get_by_role("link", name="Scorecard, scoring and results").click()
    page.get_by_role("link", name="Build the scorecard on one page").click()
    page.locator("#req-0-title").fill("Cites the page of the claim file it used")
    page.locator("#req-0-priority").select_option("must")
    for index, (name, weight) in enumerate(GROUPS):
        if index:
            settle(page)
            page.get_by_role("button", name="Add a group").click()
        page.locator(f"#group-{index}-name").fill(name)
        page.locator(f"#group-{index}-weight").fill(weight)
    for index, name in enumerate(KNOCKOUTS):
        if index:
            settle(page)
            page.get_by_role("button", name="Add a knockout").click()
        page.locator(f"#ko-{index}-name").fill(name)
    settle(page)
    page.get_by_role("button", name="Check").click()  # the named groups now fill the criteria's group lists
    for index, (group, name) in enumerate(CRITERIA):
        if index:
            settle(page)
            page.get_by_role("button", name="Add a criterion").click()
        page.locator(f"#crit-{index}-group").select_option(label=group)
        page.locator(f"#crit-{index}-name").fill(name)
        page.locator(f"#crit-{index}-share").fill("1")
    page.locator('input[name="crit-0-requirements"]').first.check()  # the accuracy criterion covers R1
    settle(page)
    expect(page.locator("#builder-totals")).to_contain_text("100")
    journey.step("scorecard builder")
    page.get_by_role("button", name="Save the scorecard").click()
    expect(page.get_by_text("Scorecard saved.")).to_be_visible()
    expect(page.get_by_text("Complete: weights add up to 100")).to_be_visible()
    page.get_by_role("link", name="Lock the scorecard").click()
    page.get_by_role("button", name="Lock it").click()
    expect(page.get_by_text("Scorecard locked.")).to_be_visible()
    journey.step("scorecard locked")

    # 4. Three vendors invited at once; the timeline; the business owner agrees; the RFP goes out.
    page.goto(procedure_url)
    page.get_by_role("link", name="Invite vendors").click()
    for vendor in ("Quill", "Meridian", "Sable"):
        page.get_by_role("checkbox", name=f"{Vendor.objects.get(trading_name=vendor)} (Low)").check()
    page.get_by_role("button", name="Invite").click()
    page.get_by_role("link", name="Set the timeline").click()
    dates = {"RFP issue date": today, "Question deadline": today + timedelta(days=7),
             "Proposals due": today + timedelta(days=14), "Demo/POV window opens": today + timedelta(days=20),
             "Demo/POV window closes": today + timedelta(days=25), "Target award date": today + timedelta(days=40)}
    for label, value in dates.items():
        page.get_by_label(label, exact=True).fill(value.isoformat())
    page.get_by_role("button", name="Save timeline").click()
    expect(page.get_by_role("heading", name="Timeline")).to_be_visible()
    journey.step("procedure drafted")
    page.get_by_label("Reason for moving on").fill("Need agreed with Claims")
    page.get_by_role("button", name="Move to Requirements").click()
    _switch(page, login, owner)
    journey.step("business owner home")
    page.goto(procedure_url)
    page.get_by_role("button", name="Agree all outstanding requirements").click()
    expect(page.get_by_text("1 requirement agreed.")).to_be_visible()
    journey.step("business owner agreed the requirements")
    _switch(page, login, lead)
    page.goto(procedure_url)
    page.get_by_label("Reason for moving on").fill("RFP pack sent to the three vendors")
    page.get_by_role("button", name="Move to RFP issued").click()
    expect(page.locator(".award-stage")).to_contain_text("RFP issued")

    # 5. Evaluators chosen by person and by criterion group; the three proposals received.
    page.get_by_role("link", name="Assign evaluators").click()
    page.get_by_role("checkbox", name=person_label(evaluators[0])).check()  # every group
    page.get_by_role("button", name="Assign").click()
    page.get_by_role("link", name="Assign evaluators").click()
    page.get_by_role("checkbox", name=person_label(evaluators[1])).check()
    for group in ("Commercial", "Support"):
        page.get_by_role("checkbox", name=group, exact=True).check()
    page.get_by_role("button", name="Assign").click()
    expect(page.locator("#evaluators")).to_contain_text("Ines Duarte")
    for vendor in ("Quill", "Meridian", "Sable"):
        page.goto(procedure_url)
        page.get_by_role("link", name=vendor, exact=True).first.click()
        page.get_by_role("link", name="Add a proposal document").click()
        page.get_by_label("Title").fill(f"{vendor} proposal")
        page.get_by_label("File").set_input_files(
            {"name": f"{vendor.lower()}-proposal.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES})
        page.get_by_role("button", name="Upload").click()
        page.get_by_role("button", name="Record proposal as received").click()
        expect(page.get_by_text("Proposal recorded as received.")).to_be_visible()
    journey.step("bid with its proposal received")

    # 6. Two weeks on, proposals have closed; evaluation starts. Once the RFP is out the lead cannot bring the
    # dates forward (issue 17), so the test dates the issued timeline back, as the clock moving on would.
    age_timeline(procedure, actor=procedure.lead, rfp_issue_date=today - timedelta(days=20),
                 question_deadline=today - timedelta(days=10), proposals_due=today - timedelta(days=1))
    page.goto(procedure_url)
    page.get_by_label("Reason for moving on").fill("Proposals closed")
    page.get_by_role("button", name="Move to Evaluation").click()
    expect(page.locator(".award-stage")).to_contain_text("Evaluation")
    journey.step("procedure in evaluation")

    # 7. Each evaluator declares for every bidder on one page, then scores their groups with the keyboard.
    marks = {bid.pk: SCORES[bid.vendor.trading_name] for bid in Bid.objects.select_related("vendor")}
    for index, evaluator in enumerate(evaluators):
        _switch(page, login, evaluator)
        if index == 0:
            journey.step("evaluator home")
        page.goto(procedure_url)
        page.get_by_role("link", name="Declare for every bidder on one page").click()
        for choice in page.get_by_role("radio", name="No conflict").all():
            choice.check()
        if index == 0:
            journey.step("conflict of interest declarations")
        page.get_by_role("button", name="Declare").click()
        page.goto(f"{procedure_url}scoring/")
        expect(page.get_by_role("heading", name="My scores")).to_be_visible()
        cells = page.locator("input.sc-value")
        expect(cells).to_have_count(3 * (7 if index == 0 else 3))
        for cell in cells.all():
            cell.focus()
            page.keyboard.type(str(marks[int(cell.get_attribute("id").split("-")[1])]))
            page.keyboard.press("Tab")
            page.keyboard.type("Read against the requirement")
            page.keyboard.press("Tab")
        expect(page.locator(".sc-status", has_text="Saved")).to_have_count(cells.count(), timeout=30000)
        if index == 0:
            journey.step("scoring grid filled with the keyboard")
        page.get_by_role("button", name="Submit my scores").click()
        expect(page.get_by_text("Scores submitted.")).to_be_visible()
    journey.step("scores submitted")

    # 8. The lead confirms both knockouts for every bid and shortlists the three on one page.
    _switch(page, login, lead)
    page.goto(f"{procedure_url}results/")
    journey.step("results")
    page.get_by_role("link", name="Confirm the knockouts and the shortlist together").click()
    for vendor in ("Quill", "Meridian", "Sable"):
        shown = str(Vendor.objects.get(trading_name=vendor))
        for knockout in KNOCKOUTS:
            page.get_by_label(f"{knockout}: {shown}", exact=True).select_option("pass")
        page.get_by_label(f"Decision on {shown}", exact=True).select_option("shortlisted")
    page.get_by_label("Reason for these decisions").fill("Checked against the proposals and the contract draft")
    journey.step("evaluation decisions")
    page.get_by_role("button", name="Record the decisions").click()
    expect(page.get_by_text("9 decisions recorded.")).to_be_visible()
    assert set(Bid.objects.values_list("status", flat=True)) == {Bid.Status.SHORTLISTED}
    winner, runners_up = "Quill", ("Meridian", "Sable")
    assert winner in page.locator("#ranking tbody tr").first.inner_text()
    page.goto(procedure_url)
    page.get_by_label("Reason for moving on").fill("Scoring complete")
    page.get_by_role("button", name="Move to Shortlist").click()
    expect(page.locator(".award-stage")).to_contain_text("Shortlist")
    journey.step("procedure at the shortlist")

    # 9. The lead writes and submits the decision memo.
    page.get_by_role("button", name="Write the award decision memo").click()
    page.get_by_label("Recommended bid").select_option(label=str(Vendor.objects.get(trading_name=winner)))
    page.get_by_label("Recommendation", exact=True).fill("Highest weighted score; the **cleanest** data terms.")
    for runner_up in runners_up:
        page.get_by_label(f"Why not {runner_up}").fill("Lower scores on accuracy and support.")
    page.get_by_label("Walk-away points").fill("Any right to train on our claim files.")
    journey.step("memo form")
    page.get_by_role("button", name="Save the memo").click()
    expect(page.get_by_role("heading", name="Recommendation", exact=True)).to_be_visible()
    memo_url = page.url

    # 9a. The winner's due diligence is incomplete, which blocks submission: a committee approver (never the
    #     lead it lets proceed) records a due-diligence waiver with its reason on the procedure's waiver page.
    expect(page.get_by_text("Due diligence of the recommended vendor is incomplete").first).to_be_visible()
    _switch(page, login, approvers[0])
    page.goto(f"{procedure_url}waivers/new/")
    expect(page.get_by_text("Due diligence of the recommended vendor is incomplete")).to_be_visible()
    page.get_by_label("Approval with incomplete due diligence").check()
    page.get_by_label("Reason").fill("The questionnaire and the data processing agreement are agreed in the "
                                     "negotiation; the contract is not signed before both are on file.")
    journey.step("waiver form")
    page.get_by_role("button", name="Check the waiver").click()
    page.get_by_role("button", name="Record the waiver").click()
    expect(page.get_by_text("Waiver recorded.")).to_be_visible()
    journey.step("waiver recorded")
    _switch(page, login, lead)
    page.goto(memo_url)
    expect(page.get_by_text("Waived:").first).to_be_visible()

    page.locator("summary", has_text="Submit for approval").click()
    page.get_by_role("button", name="Yes, submit for approval").click()
    expect(page.get_by_text("Submitted for approval.")).to_be_visible()
    journey.step("memo submitted")

    # 10. Two approvers sign with their passwords.
    for index, approver in enumerate(approvers):
        _switch(page, login, approver)
        if index == 0:
            journey.step("approver home")
        page.goto(f"{base}/procedures/memos/waiting/")
        page.get_by_role("link", name=reference).click()
        if index == 0:
            journey.step("memo to sign")
        page.get_by_role("link", name="Sign this memo").click()
        page.get_by_label("Approve", exact=True).check()
        page.get_by_label("Comment").fill(f"Approved by {approver.first_name}")
        page.get_by_label("I have read this version").check()
        page.get_by_label("Your password").fill(TEST_PASSWORD)
        if index == 0:
            journey.step("sign-off form")
        page.get_by_role("button", name="Record my decision").click()
        expect(page.get_by_text("Your decision is recorded")).to_be_visible()
    expect(page.locator(".status-approved").first).to_be_visible()
    journey.step("memo approved")
    memo = DecisionMemo.objects.get(procedure=procedure)
    assert memo.is_approved and SignOff.objects.filter(route__memo=memo).count() == 2
    scorecard = procedure.scorecard
    assert (scorecard.groups.count(), scorecard.criteria.count(), scorecard.knockouts.count()) == (4, 7, 2)
    walk = loads.count
    record("page loads: new vendor → award with 3 bids, 7 criteria in 4 groups, 2 knockouts (issue 21)", walk)
    assert walk <= WALK_BOUND, f"the walk took {walk} page loads; the bound is {WALK_BOUND}"

    # 11. The lead opens the contract from the approved memo and holds the kickoff with the manager.
    _switch(page, login, lead)
    page.get_by_role("link", name="Contracts").first.click()
    page.get_by_role("link", name="Open a contract").click()
    page.get_by_label("Approved decision memo").select_option(value=str(memo.pk))
    page.get_by_label("Post-award contract manager").select_option(label="Priya Nair")
    journey.step("open a contract from the approved memo")
    page.get_by_role("button", name="Open the contract").click()
    contract = Contract.objects.get(memo=memo)
    contract_url = f"{base}{contract.get_absolute_url()}"
    expect(page.get_by_role("heading", level=1)).to_contain_text(contract.reference)
    journey.step("contract opened")
    open_section(page, "Kickoff and clauses")
    journey.step("contract: kickoff and clauses")
    page.get_by_role("link", name="Edit the kickoff plan").click()
    page.get_by_label("Meeting date").fill(today.isoformat())
    page.get_by_label("Goals").fill("Pin the model version; agree service credits and the exit plan.")
    page.get_by_role("button", name="Save").click()
    page.get_by_role("link", name="Add an attendee").click()
    page.get_by_label("Person").select_option(label="Priya Nair")
    page.get_by_label("Role at the kickoff").select_option(label="Post-award contract manager")
    page.get_by_role("button", name="Add").click()
    page.get_by_role("link", name="Record the kickoff as held").click()
    page.get_by_role("button", name="Kickoff held").click()
    expect(page.locator("#kickoff")).to_contain_text("Held")

    # 12. Clause positions: the vendor's position on one clause, then agreement.
    clause = contract.clauses.order_by("pk").first()
    page.locator(f"#clause-{clause.pk}").get_by_role("link", name="Edit positions").click()
    page.get_by_label("The vendor's current position").fill("Accepts our wording with a 60-day carve-out.")
    journey.step("clause positions")
    page.get_by_role("button", name="Save").click()
    page.locator(f"#clause-{clause.pk}").get_by_role("link", name="Mark agreed").click()
    page.get_by_label("Agreed wording (summary)").fill("Our wording, with a 60-day carve-out for support tools.")
    page.get_by_role("button", name="Confirm: Agreed").click()
    expect(page.locator(f"#clause-{clause.pk}")).to_contain_text("Agreed")
    journey.step("kickoff held and a clause agreed")

    # 13. The rest of the clauses are settled (the pack is acknowledged only once nothing is left to negotiate);
    # the post-award manager renders the handoff pack and acknowledges it.
    settle_clauses(contract, lead=lead)
    _switch(page, login, manager)
    journey.step("post-award manager home")
    page.goto(contract_url)
    open_section(page, "Handoff")
    page.locator("#pack").get_by_role("button", name="Render PDF").click()
    expect(page.locator("#pack").get_by_text("Download", exact=False).first).to_be_visible(timeout=60000)
    page.reload()
    page.get_by_role("link", name="Acknowledge receipt").click()
    journey.step("acknowledge the handoff pack")
    page.get_by_role("button", name="I have received it").click()
    expect(page.locator("#pack")).to_contain_text("received by Priya Nair")
    journey.step("handoff pack acknowledged")
    assert PackAcknowledgement.objects.get(contract=contract).acknowledged_by == manager

    # 14. A milestone of the contract (adding one is the lead's, unless the manager is allowed to).
    page.goto(contract_url)
    open_section(page, "Delivery")
    if page.get_by_role("link", name="Add a milestone").count() == 0:
        _switch(page, login, lead)
        page.goto(contract_url)
        open_section(page, "Delivery")
    page.get_by_role("link", name="Add a milestone").click()
    page.get_by_label("Title").fill("Pilot on 500 claim files")
    page.get_by_label("Due date").fill((today + timedelta(days=60)).isoformat())
    page.get_by_label("Payment amount").fill("15000")
    journey.step("milestone form")
    page.locator("main").get_by_role("button", name=re.compile("^(Add|Save)")).click()
    expect(page.locator("#milestones")).to_contain_text("Pilot on 500 claim files")
    journey.step("milestone recorded")
    assert contract.milestones.filter(title="Pilot on 500 claim files").exists()

    # 15. The auditor reads the log and the procedure's merged history, sign-offs and their hash included.
    _switch(page, login, auditor)
    journey.step("auditor home")
    page.goto(f"{base}/audit/")
    journey.step("audit log")
    page.goto(procedure_url)
    page.get_by_role("link", name="History").click()
    expect(page.get_by_text(memo.content_hash).first).to_be_visible()
    journey.step("procedure history")

    assert journey.count >= 30
    assert not journey.findings, "axe found serious or critical violations:\n" + "\n".join(journey.findings)
