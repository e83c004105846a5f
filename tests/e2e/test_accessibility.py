"""Accessibility and polish in a real browser: axe-core finds no serious or critical violation on the main pages
(each visited as the role that uses it), the pages fit a tablet's width without sideways scrolling, memo,
results and contract pages print without navigation or controls, and scoring and sign-off work with the
keyboard alone."""

from datetime import timedelta
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from awards import services
from awards.models import DecisionMemo, Requirement, Score, SignOff
from awards.models.procedure import Stage
from contracts.services import playbook_seed
from procurement.accounts.roles import Role
from tests.e2e.a11y import assert_accessible, assert_no_horizontal_scroll, axe_violations, describe
from tests.factories.accounts import TEST_PASSWORD
from tests.factories.award_fixtures import pdf
from tests.factories.contracts import held_kickoff, open_contract
from tests.factories.memos import EC, PM, RC, committee, shortlisted_procedure, written_memo
from tests.factories.scorecards import complete_scorecard, template
from tests.factories.timeline import age_timeline
from tests.factories.vendors import VendorFactory
from vendors.models import Tier

TABLET = {"width": 768, "height": 1024}


def _people(make_user):
    people = {
        "lead": make_user(Role.PROCUREMENT_LEAD, first_name="Lena", last_name="Okafor"),
        "owner": make_user(Role.BUSINESS_OWNER, first_name="Owen", last_name="Fletcher"),
        "manager": make_user(Role.POST_AWARD_MANAGER, first_name="Priya", last_name="Nair"),
        "auditor": make_user(Role.AUDITOR, first_name="Grace", last_name="Adeyemi"),
        "approvers": [make_user(Role.COMMITTEE_APPROVER, first_name=first, last_name=last)
                      for first, last in (("Amara", "Chen"), ("Rafael", "Moreno"))],
    }
    committee(PM, *people["approvers"], quorum=2)
    committee(RC, quorum=1)
    committee(EC, quorum=1)
    return people


def _memo_in_approval(people):
    """A scored, shortlisted procedure whose decision memo waits for the two approvers."""
    template()
    shortlist = shortlisted_procedure(lead=people["lead"], business_owner=people["owner"], value=Decimal("60000"))
    memo = services.memo_submit(actor=people["lead"], memo=written_memo(shortlist))
    return shortlist, memo


def _switch(page, login, user):
    page.context.clear_cookies()
    login(user)


def test_main_pages_pass_axe_fit_a_tablet_and_print_without_navigation(page, live_server, login, make_user):
    playbook_seed()
    people = _people(make_user)
    shortlist, memo = _memo_in_approval(people)
    procedure = shortlist.procedure
    contract = open_contract(lead=people["lead"], manager=people["manager"])
    held_kickoff(contract, lead=people["lead"], manager=people["manager"])
    base = live_server.url
    proc = f"/procedures/{procedure.reference}/"
    # the contract page is loaded one section at a time (issue 18): the landing page is the overview
    sections = [reverse("contracts:section", args=[contract.reference, key])
                for key in ("negotiation", "handoff", "delivery", "money", "performance", "incidents", "exit")]
    pages_by_role = [
        (people["lead"], ["/", "/vendors/", shortlist.bids[0].vendor.get_absolute_url(), "/procedures/", proc,
                          f"{proc}scorecard/", f"{proc}results/", f"{proc}memo/", "/contracts/",
                          contract.get_absolute_url(), *sections]),
        (shortlist.evaluators[0], ["/", proc, f"{proc}scoring/"]),
        (people["owner"], ["/", proc]),
        (people["approvers"][0], ["/", "/procedures/memos/waiting/", f"{proc}memo/", f"{proc}memo/sign/"]),
        (people["manager"], ["/", contract.get_absolute_url()]),
        (people["auditor"], ["/", "/audit/", f"/audit/awards.awardprocedure/{procedure.pk}/",
                             f"/audit/awards.decisionmemo/{memo.pk}/", f"/audit/contracts.contract/{contract.pk}/"]),
    ]
    findings, too_wide = [], []
    visited = 0
    for user, paths in pages_by_role:
        _switch(page, login, user)
        for path in paths:
            page.set_viewport_size({"width": 1280, "height": 900})
            response = page.goto(f"{base}{path}")
            assert response.status == 200, f"{path} as {user}: {response.status}"
            visited += 1
            violations = axe_violations(page)
            if violations:
                findings.append(f"{path} as {user}:\n{describe(violations)}")
            page.set_viewport_size(TABLET)
            width = page.evaluate("() => [document.scrollingElement.scrollWidth, window.innerWidth]")
            if width[0] > width[1]:
                too_wide.append(f"{path} as {user}: {width[0]}px in a {width[1]}px window")

    # Printed, the memo, the results and the contract page lose navigation, forms and buttons.
    _switch(page, login, people["lead"])
    page.set_viewport_size({"width": 1280, "height": 900})
    for path in (f"{proc}memo/", f"{proc}results/", contract.get_absolute_url(), sections[0]):
        page.goto(f"{base}{path}")
        expect(page.locator("nav.mainnav")).to_be_visible()
        page.emulate_media(media="print")
        expect(page.locator("nav.mainnav")).to_be_hidden()
        expect(page.locator("header.topbar")).to_be_hidden()
        expect(page.locator("nav.contract-tabs")).to_be_hidden()  # a contract section prints without its tabs
        expect(page.locator("main button:visible")).to_have_count(0)
        expect(page.locator("main form:visible")).to_have_count(0)
        expect(page.locator("h1")).to_be_visible()
        page.emulate_media(media="screen")

    assert visited == 26 + len(sections)
    assert not findings, "axe found serious or critical violations:\n" + "\n".join(findings)
    assert not too_wide, "pages scroll sideways at 768 px:\n" + "\n".join(too_wide)


def _procedure_in_evaluation(lead, owner, evaluator):
    """Two low-tier bids received (a small three-criterion scorecard), the evaluator assigned and cleared to score."""
    template()
    procedure = services.procedure_create(
        actor=lead, title="Claims summarisation", need_statement="Summarise claim files.", business_owner=owner,
        category="ai_saas", estimated_value=Decimal("60000"), currency="EUR", term_months=12, submission="recorded")
    today = timezone.localdate()
    services.procedure_set_timeline(actor=lead, procedure=procedure, rfp_issue_date=today,
                                    question_deadline=today + timedelta(days=5),
                                    proposals_due=today + timedelta(days=10), demo_start=today + timedelta(days=12),
                                    demo_end=today + timedelta(days=14), target_award_date=today + timedelta(days=30))
    services.procedure_advance(actor=lead, procedure=procedure, target=Stage.REQUIREMENTS, reason="Need agreed")
    requirement = services.requirement_add(actor=lead, procedure=procedure, title="Cites its sources",
                                           priority=Requirement.Priority.MUST)
    services.requirement_agree(actor=owner, requirement=requirement)
    bids = [services.bid_invite(actor=lead, procedure=procedure,
                                vendor=VendorFactory(tier=Tier.LOW, legal_name=f"{name} Ltd", trading_name=name))
            for name in ("Alpha AI", "Beta Bots")]
    procedure.refresh_from_db()
    complete_scorecard(procedure)
    services.procedure_advance(actor=lead, procedure=procedure, target=Stage.RFP_ISSUED, reason="RFP sent")
    for bid in bids:
        services.proposal_document_add(actor=lead, bid=bid, title="Proposal", upload=pdf(f"{bid.pk}.pdf"))
        services.bid_record_submission(actor=lead, bid=bid)
    age_timeline(procedure, actor=lead, rfp_issue_date=today - timedelta(days=20),  # the days passed
                 question_deadline=today - timedelta(days=10),
                 proposals_due=today - timedelta(days=1), demo_start=today + timedelta(days=2),
                 demo_end=today + timedelta(days=4), target_award_date=today + timedelta(days=30))
    services.evaluator_assign(actor=lead, procedure=procedure, evaluator=evaluator)
    procedure = services.procedure_advance(actor=lead, procedure=procedure, target=Stage.EVALUATION,
                                           reason="Proposals closed")
    for bid in bids:
        services.conflict_declare(actor=evaluator, bid=bid, has_conflict=False)
    return procedure


def _tab_to(page, predicate: str, limit: int = 120) -> None:
    """Press Tab until the focused element satisfies `predicate` (a JS expression over `el`): proof that a
    keyboard user reaches it. Fails when it is not reached within `limit` presses."""
    check = f"() => {{ const el = document.activeElement; return !!el && ({predicate}); }}"
    for _ in range(limit):
        if page.evaluate(check):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached an element where {predicate}")


def test_scoring_and_sign_off_with_the_keyboard_alone(page, live_server, login, make_user):
    people = _people(make_user)
    evaluator = make_user(Role.EVALUATOR, first_name="Evan", last_name="Marsh")
    procedure = _procedure_in_evaluation(people["lead"], people["owner"], evaluator)
    base = live_server.url
    page.on("dialog", lambda dialog: dialog.accept())  # the submit confirmation (Enter accepts it for a person)

    # The evaluator tabs from the top of the page into the grid, scores every cell and submits: no mouse.
    login(evaluator)
    page.goto(f"{base}/procedures/{procedure.reference}/scoring/")
    _tab_to(page, "el.classList.contains('sc-value')")
    cells = page.locator("input.sc-value").count()
    assert cells == 6  # three criteria x two bids
    for n in range(cells):
        page.keyboard.type("3" if n % 2 else "4")
        page.keyboard.press("Tab")
        page.keyboard.type(f"Reason {n}")
        page.keyboard.press("Tab")
    expect(page.locator(".sc-status", has_text="Saved")).to_have_count(cells, timeout=20000)
    _tab_to(page, "el.tagName === 'BUTTON' && el.textContent.trim() === 'Submit my scores'")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Scores submitted.")).to_be_visible()
    assert Score.objects.filter(sheet__evaluator=evaluator, sheet__submitted_at__isnull=False).count() == cells

    # An approver opens the memo from the inbox and signs it, by keyboard alone.
    shortlist, memo = _memo_in_approval(people)
    approver = people["approvers"][0]
    _switch(page, login, approver)
    page.goto(f"{base}/procedures/{shortlist.procedure.reference}/memo/")
    _tab_to(page, "el.tagName === 'A' && el.textContent.trim() === 'Sign this memo'")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sign the decision memo")
    _tab_to(page, "el.type === 'radio' && el.value === 'approve'")
    page.keyboard.press("Space")
    _tab_to(page, "el.name === 'comment'")
    page.keyboard.type("Read it twice; approved.")
    _tab_to(page, "el.name === 'password'")
    page.keyboard.type(TEST_PASSWORD)
    _tab_to(page, "el.name === 'confirm'")
    page.keyboard.press("Space")
    _tab_to(page, "el.tagName === 'BUTTON' && el.textContent.trim() === 'Record my decision'")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Your decision is recorded")).to_be_visible()
    signoff = SignOff.objects.get(signer=approver)
    assert signoff.decision == "approve" and signoff.comment == "Read it twice; approved."
    assert signoff.content_hash == memo.content_hash
    assert DecisionMemo.objects.get(pk=memo.pk).status == DecisionMemo.Status.IN_APPROVAL  # quorum is two


def test_sign_in_page_passes_axe_and_fits_a_tablet(page, live_server):
    page.set_viewport_size(TABLET)
    page.goto(f"{live_server.url}/accounts/login/")

    assert_accessible(page, "the sign-in page")
    assert_no_horizontal_scroll(page, "the sign-in page")
    assert page.evaluate("() => typeof window.axe.run") == "function"  # axe ran despite the strict CSP
