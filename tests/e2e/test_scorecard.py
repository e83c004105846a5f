"""e2e: the lead builds the scorecard from the template and locks it; two evaluators score with the keyboard and
submit; the lead sees the ranking and a spread flag, resolves it by consensus, reads the sensitivity verdict and
shortlists the winner. Earlier stages are set up through the services: their UI is not the point here."""

import re
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from awards import services
from awards.models import Bid, Requirement
from awards.models.procedure import Stage
from procurement.accounts.roles import Role
from tests.factories.award_fixtures import pdf
from tests.factories.scorecards import template
from tests.factories.timeline import age_timeline


def _type_row(page, values_and_rationales):
    for value, rationale in values_and_rationales:
        page.keyboard.type(str(value))
        page.keyboard.press("Tab")
        page.keyboard.type(rationale)
        page.keyboard.press("Tab")


def test_scorecard_from_template_to_shortlist(page, live_server, login, procedure, lead, business_owner, make_user,
                                              make_vendor, future_timeline):
    template()  # transactional tests flush the seeded template; make sure it is there
    services.procedure_set_timeline(actor=lead, procedure=procedure, **future_timeline)
    services.procedure_advance(actor=lead, procedure=procedure, target=Stage.REQUIREMENTS, reason="Start")
    must = services.requirement_add(actor=lead, procedure=procedure, title="Cites its sources",
                                    priority=Requirement.Priority.MUST)
    services.requirement_agree(actor=business_owner, requirement=must)
    alpha = services.bid_invite(actor=lead, procedure=procedure, vendor=make_vendor(legal_name="Alpha AI",
                                                                                     trading_name="Alpha AI"))
    beta = services.bid_invite(actor=lead, procedure=procedure, vendor=make_vendor(legal_name="Beta Bots",
                                                                                    trading_name="Beta Bots"))
    base = live_server.url
    page.on("dialog", lambda dialog: dialog.accept())

    # The lead builds the scorecard from the template, covers the must-requirement and locks it.
    login(lead)
    page.goto(f"{base}/procedures/{procedure.reference}/")
    page.get_by_role("link", name="Scorecard, scoring and results").click()
    page.get_by_label("Start from").select_option(label="AI vendor selection")
    page.get_by_role("button", name="Create the scorecard").click()
    expect(page.get_by_text("Scorecard created.")).to_be_visible()
    expect(page.get_by_text("No criterion assesses the must-requirement R1.")).to_be_visible()
    page.get_by_role("link", name="Edit Fit to our use cases").click()
    page.get_by_label("R1 Cites its sources (Must)").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Complete: weights add up to 100")).to_be_visible()
    page.get_by_role("link", name="Lock the scorecard").click()
    page.get_by_role("button", name="Lock it").click()
    expect(page.get_by_text("Scorecard locked.")).to_be_visible()

    # Earlier stages by service: RFP issued, proposals received, evaluators assigned, evaluation, declarations.
    procedure = services.procedure_advance(actor=lead, procedure=procedure, target=Stage.RFP_ISSUED,
                                           reason="RFP sent")
    for bid in (alpha, beta):
        services.proposal_document_add(actor=lead, bid=bid, title="Proposal", upload=pdf(f"{bid.pk}.pdf"))
        services.bid_record_submission(actor=lead, bid=bid)
    today = timezone.localdate()
    age_timeline(  # the days passed: proposals have closed
        procedure, actor=lead, rfp_issue_date=today - timedelta(days=30),
        question_deadline=today - timedelta(days=20), proposals_due=today - timedelta(days=1),
        demo_start=today + timedelta(days=5), demo_end=today + timedelta(days=9),
        target_award_date=today + timedelta(days=30))
    first = make_user(Role.EVALUATOR, first_name="Ada", last_name="First")
    second = make_user(Role.EVALUATOR, first_name="Ben", last_name="Second")
    for evaluator in (first, second):
        services.evaluator_assign(actor=lead, procedure=procedure, evaluator=evaluator, groups=procedure.scorecard.groups.filter(name="Commercial"))  # noqa: E501
    procedure = services.procedure_advance(actor=lead, procedure=procedure, target=Stage.EVALUATION,
                                           reason="Proposals closed")
    for evaluator in (first, second):
        for bid in (alpha, beta):
            services.conflict_declare(actor=evaluator, bid=bid, has_conflict=False)

    # Two evaluators score with the keyboard (criteria down, bids across: Alpha, Beta) and submit.
    scores = {
        first: [[(4, "Strong price cap"), (3, "Fair")], [(4, "Indexed"), (3, "Fair")], [(4, "Good"), (3, "Fair")]],
        second: [[(4, "Clear"), (1, "Hidden usage fees")], [(4, "Indexed"), (3, "Fair")], [(4, "Good"), (3, "Ok")]],
    }
    for evaluator, rows in scores.items():
        page.context.clear_cookies()
        login(evaluator)
        page.goto(f"{base}/procedures/{procedure.reference}/scoring/")
        expect(page.get_by_role("heading", name="My scores")).to_be_visible()
        page.get_by_label("Score for Alpha AI on Total cost over the term").focus()
        for row in rows:
            _type_row(page, row)
        expect(page.locator(".sc-status", has_text="Saved")).to_have_count(6, timeout=15000)
        page.get_by_role("button", name="Submit my scores").click()
        expect(page.get_by_text("Scores submitted.")).to_be_visible()

    # The lead sees the ranking and the spread flag, resolves it, reads the verdict and shortlists.
    page.context.clear_cookies()
    login(lead)
    page.goto(f"{base}/procedures/{procedure.reference}/results/")
    ranking = page.locator("#ranking tbody tr")
    expect(ranking.first).to_contain_text("Alpha AI")
    expect(ranking.nth(1)).to_contain_text("Beta Bots")
    flags = page.locator("#flags")
    expect(flags).to_contain_text("Total cost over the term")
    expect(flags).to_contain_text("Needs a consensus note")
    page.get_by_role("link", name="Record consensus for Beta Bots on Total cost over the term").click()
    page.get_by_label("Consensus note").fill("Usage fees are capped in annex C; the panel settles on 2.")
    page.get_by_label("Consensus score (optional)").fill("2")
    page.get_by_role("button", name="Record the consensus").click()
    expect(flags).to_contain_text("Resolved")
    expect(flags).not_to_contain_text("Needs a consensus note")
    expect(page.locator(".sc-verdict")).to_contain_text(re.compile(r"holds unless|stays first"))
    expect(page.locator("#ranking svg").first).to_be_visible()

    page.get_by_role("link", name="Shortlist… Alpha AI").click()
    page.get_by_label("Reason").fill("Ranked first; holds under the sensitivity analysis")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_text("Decision on Alpha AI recorded.")).to_be_visible()
    expect(page.locator("#ranking tbody tr").first).to_contain_text("Shortlisted")
    assert Bid.objects.get(pk=alpha.pk).status == Bid.Status.SHORTLISTED
