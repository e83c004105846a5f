"""Demo data: a contract in negotiation for the completed demo award, built through the services (idempotent).

Opened from the approved decision memo of the demo's awarded procedure (a contract opens only from an approved
memo; without one the contracts demo is skipped). The kickoff is held with `manager`; clause positions sit in
various states; there is feedback, scenarios, a RACI change and a logged issue.
"""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from awards.demo.journey import TITLE
from awards.models import AwardProcedure
from contracts import services
from contracts.models import ClausePosition, Contract

PROCEDURE_TITLE = TITLE  # the awarded demo procedure (awards.demo.journey)
S = ClausePosition.Status


def _approved_memo(procedure):
    from awards.services.memo import approved_memo

    return approved_memo(procedure)


def seed(*, users, stdout) -> None:
    procedure = AwardProcedure.objects.filter(title=PROCEDURE_TITLE).first()
    if procedure is None:
        stdout.write("Contracts demo skipped: the demo award procedure does not exist.")
        return
    existing = Contract.objects.filter(procedure=procedure).first()
    if existing is not None:
        seed_post_award(existing, users=users, stdout=stdout)
        seed_publication(procedure, users=users, stdout=stdout)
        stdout.write("Contracts demo already present.")
        return
    memo = _approved_memo(procedure)
    if memo is None:
        stdout.write(f"Contracts demo skipped: {procedure.reference} has no approved decision memo yet.")
        return
    lead, manager, owner = users["lead"], users["manager"], users["owner"]
    services.playbook_seed(actor=lead)
    today = timezone.localdate()
    terms = {"post_award_manager": manager, "business_owner": owner, "start_date": today + timedelta(days=30),
             "end_date": today + timedelta(days=30 + 730),
             "renewal": "Renews for 12 months at a time unless either side gives notice", "notice_period_days": 90}
    contract = services.contract_open(actor=lead, memo=memo, **terms)
    kickoff = contract.kickoff
    services.kickoff_update(
        actor=lead, kickoff=kickoff, meeting_date=today - timedelta(days=1),
        goals=kickoff.goals or "Fix the model version for the first year; real service credits; EU-only data.",
        operational_realities="Claims intake runs 07:00–22:00 CET; peaks after storms; weekly KPI review.",
        timeline="Redlines within two weeks; signature before the pilot ends.",
        walk_away_conditions=kickoff.walk_away_conditions or "Any training on our conversations.")
    services.kickoff_attendee_add(actor=lead, kickoff=kickoff, user=lead, role="negotiation_lead")
    services.kickoff_attendee_add(actor=lead, kickoff=kickoff, user=manager, role="post_award_manager")
    services.kickoff_attendee_add(actor=lead, kickoff=kickoff, user=owner, role="business_owner")
    services.kickoff_hold(actor=lead, kickoff=kickoff,
                          minutes="Agreed priorities: model pinning, credits, exit help. Marco owns KPI design.")
    services.kickoff_action_add(actor=lead, kickoff=kickoff, description="Send our redline of the SLA schedule",
                                owner=lead, due_date=today + timedelta(days=5))

    clauses = {p.playbook_clause.key: p for p in contract.clauses.select_related("playbook_clause")}
    steps = [
        ("no-training", S.AGREED, "No training on our data, including by subprocessors; written opt-in only."),
        ("data-rights", S.AGREED, "We own inputs and outputs; vendor keeps anonymous usage counts only."),
        ("service-levels", S.COUNTERED, ""),
        ("model-change", S.PROPOSED, ""),
        ("liability", S.ESCALATED, ""),
    ]
    for key, status, summary in steps:
        position = clauses.get(key)
        if position is None:
            continue
        if status == S.COUNTERED:
            services.clause_position_update(actor=lead, position=position,
                                            vendor_position="99.5% availability, credits capped at 10%.")
        if status == S.ESCALATED:
            services.clause_set_status(actor=lead, position=position, status=S.PROPOSED, reason="Our draft sent")
            services.clause_set_status(actor=lead, position=position, status=S.ESCALATED,
                                       reason="Vendor offers a general cap of six months' fees only")
            continue
        services.clause_set_status(actor=lead, position=position, status=status, agreed_summary=summary or None,
                                   reason="Demo negotiation")
    if "service-levels" in clauses:
        feedback = services.feedback_add(
            actor=manager, position=clauses["service-levels"], topic="performance",
            body="Latency must be measured at our gateway, not the vendor's edge, or we cannot verify credits.")
        services.feedback_add(actor=manager, position=clauses["service-levels"], topic="reporting",
                              body="Monthly SLA report as CSV by the 5th working day.")
        services.feedback_respond(actor=lead, feedback=feedback, response="Added to our counter-proposal.")
    services.scenario_create(actor=manager, contract=contract, kind="model_change", likelihood=4, impact=4,
                             contingency="180 days' notice, pinned version, free re-run of our evaluation set.",
                             clauses=[c for k, c in clauses.items() if k in ("model-change", "performance")])
    services.scenario_create(actor=manager, contract=contract, kind="price_increase", likelihood=3, impact=3,
                             contingency="Increases capped at an index; usage caps we set.")
    services.scenario_create(actor=manager, contract=contract, kind="insolvency", likelihood=1, impact=5)
    # The exit runbook is written while negotiating: activation is refused without it (issue 17, finding 19).
    from contracts.services.exit import EXIT_STEPS

    seats = {"negotiation_lead": lead, "post_award_manager": manager, "security_reviewer": manager,
             "business_owner": owner}
    services.exit_runbook_write(
        actor=manager, contract=contract,
        data_return_method="Claims, triage decisions and logs exported as JSON lines over SFTP within 30 days of "
                           "notice; our data team reconciles record counts against our own ledger.",
        deletion_evidence="A deletion certificate signed by the vendor's security officer naming production, "
                          "backups and each subprocessor, within 60 days of the data return.",
        model_portability="Our prompts, routing rules and the evaluation set of 500 claims, plus any adapter "
                          "weights trained on our data, handed over in open formats.",
        data_portability="Embeddings as Parquet with the embedding model named; the successor reloads them or "
                         "re-embeds from the returned claims.",
        step_owners={key: seats.get(seat) or manager for key, _label, seat, _days in EXIT_STEPS})
    activity = contract.raci_activities.get(name="Train users")
    services.raci_save(actor=lead, contract=contract, grid={activity.pk: {"post_award_manager": "C"}})
    services.issue_create(actor=manager, contract=contract, title="Service credits too low to matter",
                          priority="high", description="10% cap does not cover our cost of an outage day.")
    services.milestone_add(actor=lead, contract=contract, title="Go-live in two languages",
                           due_date=today + timedelta(days=90), payment_amount=Decimal("60000"))
    stdout.write(f"Contract {contract.reference} in negotiation: kickoff held with the post-award manager, "
                 f"{contract.clauses.count()} clause positions, feedback, scenarios and an issue.")
    seed_post_award(contract, users=users, stdout=stdout)
    seed_publication(procedure, users=users, stdout=stdout)


def seed_publication(procedure, *, users, stdout) -> None:
    """The awarded demo procedure published as open contracting data (the lead's decision), once."""
    from contracts.models import Publication
    from contracts.services.publication import publication_publish

    if Publication.objects.filter(procedure=procedure, status=Publication.Status.PUBLISHED).exists():
        return
    publication_publish(actor=users["lead"], procedure=procedure,
                        reason="Demo: the awarded procedure is published as open contracting data")
    stdout.write(f"{procedure.reference} published as OCDS 1.1.5 (/contracts/ocds/, /api/v1/ocds/...).")


def seed_post_award(contract, *, users, stdout) -> None:
    """Post-award data on the demo contract, through the services; skipped when it is already there."""
    if contract.kpis.exists() or contract.status == Contract.Status.CLOSED:
        return
    lead, manager, owner = users["lead"], users["manager"], users["owner"]
    today = timezone.localdate()
    golive = contract.milestones.filter(title="Go-live in two languages").first()
    if golive is not None:
        services.milestone_plan(actor=manager, milestone=golive,
                                acceptance_criteria="Claims in English and Spanish are triaged with at least 95% "
                                                    "routed to the right queue.",
                                test_method="Replay of 500 anonymised claims from last quarter in our staging "
                                            "environment.", tester=owner)
    pilot = services.milestone_add(actor=lead, contract=contract, title="Pilot with the storm-claims team",
                                   due_date=today - timedelta(days=20), payment_amount=Decimal("20000"))
    services.milestone_plan(actor=manager, milestone=pilot, acceptance_criteria="Handles 200 claims a day.",
                            test_method="Two weeks of shadow running next to the human triage.", tester=manager)
    services.milestone_deliver(actor=manager, milestone=pilot, delivered_on=today - timedelta(days=22),
                               reason="Pilot build handed over")
    services.milestone_decide(actor=manager, milestone=pilot, accept=True,
                              note="Shadow run: 212 claims a day on average, 96% routed correctly.")
    services.payment_terms_update(actor=manager, contract=contract, payment_model="usage",
                                  payment_schedule="periodic", payment_terms_days=30, spend_cap=Decimal("60000"),
                                  reason="Usage-based pricing with a cap, as agreed")
    paid = services.invoice_record(actor=manager, contract=contract, number="QM-1001", amount=Decimal("20000"),
                                   received_on=today - timedelta(days=50), milestone=pilot)
    # three people: the manager records, the business owner (Accountable for "Approve payments") approves, the
    # lead records the payment
    services.invoice_approve(actor=owner, invoice=paid, on=today - timedelta(days=45))
    services.invoice_pay(actor=lead, invoice=paid, paid_on=today - timedelta(days=28))
    services.invoice_record(actor=manager, contract=contract, number="QM-1002", amount=Decimal("18500"),
                            received_on=today - timedelta(days=36), period_start=today - timedelta(days=66),
                            period_end=today - timedelta(days=36))
    availability = services.kpi_add(actor=manager, contract=contract, name="Monthly availability", unit="%",
                                    threshold=Decimal("99.5"), frequency="monthly")
    latency = services.kpi_add(actor=manager, contract=contract, name="Triage latency p95", unit="ms",
                               direction="at_most", threshold=Decimal("1500"), frequency="weekly")
    for weeks, value in ((5, "1210"), (4, "1340"), (3, "1280"), (2, "1720"), (1, "1390")):
        services.measurement_record(actor=manager, kpi=latency, measured_on=today - timedelta(weeks=weeks),
                                    value=Decimal(value), note="From our API gateway logs")
    for months, value in ((3, "99.93"), (2, "99.71"), (1, "99.12")):
        services.measurement_record(actor=manager, kpi=availability, measured_on=today - timedelta(days=30 * months),
                                    value=Decimal(value), note="Synthetic probe every minute")
    services.change_order_raise(actor=manager, contract=contract, title="Move to the vendor's v4 model",
                                reason="model_version", cost_impact=Decimal("8000"), schedule_impact_days=30,
                                description="The vendor retires v3 next quarter; v4 needs a re-run of our "
                                            "evaluation set and a month of parallel running.")
    from contracts.checkins import questions

    answers = {key: "Discussed; no concern raised." for key, _topic, _text in questions("procurement")}
    answers["payments"] = "Invoice QM-1002 is past its 30-day terms; finance is chasing the approval."
    services.checkin_record(actor=manager, contract=contract, team="procurement", held_on=today - timedelta(days=7),
                            answers=answers, actions="Chase approval of QM-1002 (Marco, this week)")
    now = timezone.now()
    sla = contract.clauses.filter(playbook_clause__key="service-levels").first()
    services.incident_record(actor=manager, contract=contract, kind="outage", title="EU endpoint unavailable",
                             description="Triage API returned errors for 95 minutes.",
                             occurred_at=now - timedelta(days=12, hours=3),
                             detected_at=now - timedelta(days=12, hours=3),
                             notified_at=now - timedelta(days=10), clauses=[sla] if sla else [])
    stdout.write(f"{contract.reference} post-award: milestones with acceptance, invoices (one late), usage against "
                 "its cap, two KPIs (with breaches), a change order, a check-in and an incident.")
