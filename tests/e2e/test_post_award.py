"""The post-award manager runs a contract: accepts a milestone with evidence, records a KPI measurement that
breaches (it shows on the contract page and the home page), raises a change order that the business owner —
the RACI's Accountable for change orders — approves, and runs the exit runbook to close the contract (and the
vendor, with no other open contract, is marked exited)."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone
from playwright.sync_api import expect

from contracts import services
from contracts.models import ChangeOrder, Contract, KpiMeasurement, Milestone
from contracts.services import playbook_seed
from procurement.accounts.roles import Role
from tests.e2e.sections import open_section
from tests.factories.contracts import active_contract, milestone
from vendors.models import Vendor


def test_post_award_manager_runs_the_contract_to_its_close(page, live_server, login, make_user):
    playbook_seed()
    today = timezone.localdate()
    lead = make_user(Role.PROCUREMENT_LEAD, first_name="Lena", last_name="Okafor")
    manager = make_user(Role.POST_AWARD_MANAGER, first_name="Marco", last_name="Ruiz")
    owner = make_user(Role.BUSINESS_OWNER, first_name="Olga", last_name="Berg")
    contract = active_contract(lead=lead, manager=manager, owner=owner)
    vendor = contract.vendor
    vendor.status, vendor._change_reason = Vendor.Status.ACTIVE, "test: active supplier"
    vendor.save()
    pilot = milestone(contract, actor=lead, title="Pilot with the claims team",
                      acceptance_criteria="95% of claims routed to the right queue",
                      test_method="Replay of 500 claims", tester=manager)
    kpi = services.kpi_add(actor=manager, contract=contract, name="Routing accuracy", unit="%",
                           threshold=Decimal("95"))
    value, end_date = contract.value, contract.end_date

    login(manager)
    page.goto(f"{live_server.url}{contract.get_absolute_url()}")

    # Milestone: delivery, then acceptance with the test result as evidence (the page's delivery section).
    open_section(page, "Delivery")
    page.locator(f"#milestone-{pilot.pk}").get_by_role("link", name="Record delivery").click()
    page.get_by_label("What was delivered").fill("Pilot build 1.3")
    page.get_by_role("button", name="Record delivery").click()
    page.locator(f"#milestone-{pilot.pk}").get_by_role("link", name="Accept").click()
    page.get_by_role("button", name="Accept").click()
    expect(page.get_by_text("Record the acceptance evidence").first).to_be_visible()  # nothing saved without it
    page.get_by_label("Acceptance evidence").fill("Replay: 96.4% routed correctly.")
    page.get_by_role("button", name="Accept").click()
    expect(page.locator(f"#milestone-{pilot.pk}")).to_contain_text("Accepted")
    assert Milestone.objects.get(pk=pilot.pk).status == "accepted"

    # A KPI measurement from our own instrumentation that breaches the commitment.
    open_section(page, "Performance")
    page.locator(f"#kpi-{kpi.pk}").get_by_role("link", name="Record a measurement").click()
    page.get_by_label("Value").fill("91.2")
    page.get_by_role("button", name="Record").click()
    expect(page.locator("#kpis")).to_be_visible()  # back in the performance section; the alerts are the overview's
    open_section(page, "Overview")
    expect(page.locator("#alerts")).to_contain_text("KPI breach")
    expect(page.locator("#alerts")).to_contain_text("Routing accuracy: 91.2 %")
    assert KpiMeasurement.objects.get(kpi=kpi).breach
    page.get_by_role("link", name="Performance page (KPI trends)").click()
    expect(page.locator("figure.chart svg")).to_be_visible()
    page.goto(f"{live_server.url}/")
    expect(page.get_by_text("Routing accuracy: 91.2 %")).to_be_visible()

    # A change order, raised by the manager...
    page.goto(f"{live_server.url}{contract.get_absolute_url()}")
    open_section(page, "Payments and changes")
    page.get_by_role("link", name="Raise a change order").click()
    page.get_by_label("Title").fill("Move to model v4")
    page.get_by_label("Reason").select_option(label="New model version")
    page.get_by_label("Description").fill("The vendor retires v3; v4 needs a re-run of our evaluation set.")
    page.get_by_label("Cost impact").fill("12000")
    page.get_by_label("Schedule impact (days)").fill("30")
    page.get_by_role("button", name="Raise").click()
    order = ChangeOrder.objects.get(contract=contract)
    expect(page.locator(f"#co-{order.pk}")).to_contain_text("Proposed")
    expect(page.locator(f"#co-{order.pk}").get_by_role("link", name="Decide")).to_have_count(0)

    # ...approved by the business owner, the RACI's Accountable for change orders.
    page.context.clear_cookies()
    login(owner)
    page.goto(f"{live_server.url}{contract.get_absolute_url()}")
    open_section(page, "Payments and changes")
    page.locator(f"#co-{order.pk}").get_by_role("link", name="Decide").click()
    page.get_by_label("Approve").check()
    page.get_by_label("Basis of the decision").fill("Within the budget line; v3 is being retired anyway.")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator(f"#co-{order.pk}")).to_contain_text("Approved")
    contract.refresh_from_db()
    assert contract.value == value + 12000 and contract.end_date == end_date + timedelta(days=30)
    assert ChangeOrder.objects.get(pk=order.pk).decided_by == owner

    # The manager runs the exit runbook to the close.
    page.context.clear_cookies()
    login(manager)
    page.goto(f"{live_server.url}{contract.get_absolute_url()}")
    open_section(page, "Exit")
    page.get_by_role("link", name="Start the exit").click()
    page.get_by_label("Reason").fill("Moving the workload to the successor vendor")
    page.get_by_role("button", name="Start the exit").click()
    expect(page.locator("#exit")).to_contain_text("Obtain the vendor's certificate")
    steps = list(Contract.objects.get(pk=contract.pk).exit_steps.all())
    for step in steps[:-1]:
        page.locator(f"#exit-step-{step.pk}").get_by_role("link", name="Update").click()
        page.get_by_label("Done on").fill(today.isoformat())
        page.get_by_label("Note").fill("Done and filed.")
        page.get_by_role("button", name="Save").click()
        expect(page.locator(f"#exit-step-{step.pk}")).not_to_contain_text("Open")
    page.locator(f"#exit-step-{steps[-1].pk}").get_by_role("link", name="Waive").click()
    page.get_by_label("Reason").fill("The successor's team sat in on every session; nothing left to hand over.")
    page.get_by_role("button", name="Waive").click()
    page.get_by_role("link", name="Close the contract").click()
    page.get_by_label("Reason").fill("Every exit step is done or waived")
    page.get_by_role("button", name="Close the contract").click()
    expect(page.locator("h1 + p .status, .page-head").first).to_contain_text("Closed")
    contract.refresh_from_db()
    vendor.refresh_from_db()
    assert contract.status == "closed" and vendor.status == Vendor.Status.EXITED
