"""Demo data: a second award procedure carried through the whole relay to the award (idempotent).

"Document summarisation API for claims handling": requirements agreed, the scorecard from the AI-vendor template,
three bidders, three evaluators who score and submit, knockouts confirmed from the evidence, a spread flag
settled by consensus, the shortlist, the winner's due diligence completed (one independent evaluation is waived by
the Chief Risk Officer until the pilot, with her reason), a decision memo written and submitted by the lead and
signed off by five approvers (one signature counts for one committee) until approved — so the procedure is
awarded and the debriefs are open. The contracts demo opens its contract from this approved memo. Every step goes
through the services; the first procedure (awards.demo) stays in evaluation.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from awards import results, services
from awards.demo import _age_timeline, _blocked, _pdf
from awards.demo.memo import MEMBERS, alternative_reasons, recommendation_basis
from awards.demo.scorecard import _value, build_scorecard
from awards.models import AwardProcedure, Bid, DecisionMemo
from awards.models.procedure import Stage
from awards.models.scorecard import Criterion, Knockout
from awards.services.approval import open_route, signable_steps, signoff_refusal
from procurement.exceptions import DomainError
from vendors.models import Vendor

TITLE = "Document summarisation API for claims handling"
VENDORS = ("Meridian Language Systems Ltd", "Copperleaf Analytics SAS", "Sable Speech Oy")
BASES = (3.5, 3.0, 2.5)  # by bidder, in the order above: the first is ahead
REQUIREMENTS = (
    ("Summaries cite the page and paragraph of the claim file they come from", "must"),
    ("Claim files stay in EU regions and are never used to train the vendor's models", "must"),
    ("An adjuster can send a summary back with a correction, and the correction is kept", "must"),
    ("Handles scanned PDFs, e-mails and photos of handwritten forms", "should"),
    ("Summaries in English, German and Dutch", "could"),
)
NARRATIVE = {
    "do_nothing": "Adjusters spend about a third of each claim reading the file; backlog grows every storm season.",
    "build_in_house": "We could host an open model, but we have no team to evaluate and run it this year.",
    "risk_notes": "Model changes and price rises are the main risks; both go into the contract clauses.",
    "negotiation_objectives": "Fixed price per 1,000 pages for two years; EU-only processing; a pinned model "
                              "version with 180 days' notice of change.",
    "key_asks": "- No training on claim files or prompts\n- Page citations in every summary\n- Exit assistance",
    "key_clauses": "Data rights and no-train, IP indemnity for generated text, uptime and latency credits, model "
                   "deprecation notice, EU AI Act flow-down, exit and data return.",
    "walk_away": "Any right to use claim files for training; unpinned model versions.",
    "batna_notes": "The runner-up met every knockout and can start within two months.",
}


def _vendors() -> list[Vendor]:
    found = {v.legal_name: v for v in Vendor.objects.filter(legal_name__in=VENDORS)
             .exclude(status=Vendor.Status.EXITED)}
    return [found[name] for name in VENDORS if name in found]


def _score(procedure, users, bids):
    lead = users["lead"]
    evaluators = [users["evaluator"], users["evaluator2"], users["evaluator3"]]
    for evaluator in evaluators:
        services.evaluator_assign(actor=lead, procedure=procedure, evaluator=evaluator)
    today = timezone.localdate()
    procedure = _age_timeline(
        procedure, actor=lead, reason="Demo data: dated as if proposals closed five weeks ago",
        rfp_issue_date=today - timedelta(days=70), question_deadline=today - timedelta(days=56),
        proposals_due=today - timedelta(days=42), demo_start=today - timedelta(days=35),
        demo_end=today - timedelta(days=28), target_award_date=today)
    procedure = services.procedure_advance(actor=lead, procedure=procedure, target=Stage.EVALUATION,
                               reason="All three proposals received on time")
    for evaluator in evaluators:
        for bid in bids:
            services.conflict_declare(actor=evaluator, bid=bid, has_conflict=False)
    for e_index, evaluator in enumerate(evaluators):
        grid = results.scoring_grid(procedure, evaluator)
        for b_index, bid in enumerate(bids):
            for c_index, criterion in enumerate(grid.criteria):
                value = _value(BASES[b_index], 0, c_index, e_index)
                services.score_save(actor=evaluator, bid=bid, criterion=criterion, value=str(value),
                                    rationale="Seen in the proposal and the demo on our own claim files.")
        services.scoresheet_submit(actor=evaluator, procedure=procedure)
    return procedure


POV = (  # metric, comparator, threshold, unit, test set, measured
    ("Statements traceable to a cited page", "gte", Decimal("95"), "%",
     "120 closed claim files, anonymised; every statement checked by two senior adjusters", Decimal("97")),
    ("Material omissions per summary", "lte", Decimal("0.2"), "per summary",
     "Same 120 files; an omission is a fact the adjuster needed for the decision", Decimal("0.1")),
    ("p95 time to summarise a 60-page file", "lte", Decimal("30"), "s",
     "The 20 longest files in the set, sent from the EU region", Decimal("21")),
)
REFERENCES = (  # source, organisation, contact role, rating, findings
    ("vendor_supplied", "Lowland Mutual Insurance", "Head of Claims Operations", 4,
     "Live for a year on motor claims; adjusters trust the citations; one outage in the year, credited."),
    ("independent", "Northsea Assistance Group", "Claims process owner", 4,
     "Met at an industry forum, not through the vendor. Summaries good; German output needed tuning."),
    ("independent", "Civic Housing Insurance", "IT architect", 3,
     "Found through a user group. Solid API; price rose once at renewal, within the agreed index."),
)


def _evidence(procedure, lead, bids) -> None:
    """Before the demo window: each bidder's locked POV protocol with its measured results."""
    for bid in bids:
        for metric, comparator, threshold, unit, test_set, _ in POV:
            services.pov_criterion_add(actor=lead, bid=bid, metric=metric, comparator=comparator,
                                       threshold=threshold, unit=unit, test_set=test_set)
        services.pov_lock(actor=lead, bid=bid)
        for criterion, (*_, measured) in zip(bid.pov.criteria.order_by("pk"), POV, strict=True):
            services.pov_result_record(actor=lead, criterion=criterion, value=measured,
                                       note="Measured in the pilot tenant against the locked test set.")


def _references(lead, bids) -> None:
    today = timezone.localdate()
    for bid in bids:
        for days, (source, organisation, role, rating, findings) in enumerate(REFERENCES, start=20):
            services.reference_check_add(actor=lead, bid=bid, source=source, organisation=organisation,
                                         contact_role=role, checked_on=today - timedelta(days=days),
                                         rating=rating, findings=findings)


def _knockouts(procedure, lead, bids) -> None:
    for knockout in Knockout.objects.filter(scorecard__procedure=procedure).order_by("position"):
        for bid in bids:
            proposed, _ = results.propose_knockout(knockout, bid, procedure.target_award_date)
            if proposed is None:
                services.knockout_decide(actor=lead, knockout=knockout, bid=bid, passed=True,
                                         reason="Confirmed from the proposal and the contract redline.")
            else:
                services.knockout_decide(actor=lead, knockout=knockout, bid=bid, passed=proposed)


def _settle_spreads(procedure, lead) -> None:
    data = results.procedure_results(procedure, samples=1)
    if data.result is None:
        return
    for spread in data.result.unresolved_flags:
        services.consensus_record(actor=lead, bid=Bid.objects.get(pk=spread.bid),
                                  criterion=Criterion.objects.get(scorecard__procedure=procedure,
                                                                  key=spread.criterion),
                                  note="The panel discussed the evidence and agreed the mean stands.")


def _shortlist(procedure, lead, bids):
    """Shortlist the bids that passed every knockout; knock out, with the knockout named, those that failed one."""
    result = results.procedure_results(procedure, samples=1).result
    for bid in bids:
        bid.refresh_from_db()
        if bid.status != Bid.Status.SUBMITTED:
            continue
        outcome = result.bid(str(bid.pk)) if result is not None else None
        if outcome is not None and outcome.excluded:
            services.bid_decide(actor=lead, bid=bid, status=Bid.Status.KNOCKED_OUT,
                                reason=outcome.exclusion_reason or "Failed a knockout")
        else:
            services.bid_decide(actor=lead, bid=bid, status=Bid.Status.SHORTLISTED,
                                reason="Every knockout passed; scored in range")
    return services.procedure_advance(actor=lead, procedure=procedure, target=Stage.SHORTLIST,
                                      reason="Scoring complete, knockouts confirmed, spreads settled")


# How the winner's missing due-diligence evidence arrives before the memo: kind -> (source, title). The one kind
# not listed (the independent technical evaluation) stays open and is waived.
DD_EVIDENCE = {
    "ai_training_data": ("self_reported", "Training-data provenance statement (revised, gaps answered)"),
    "live_assessment": ("buyer_test", "Live assessment on our claim files, run by our ML platform team"),
    "financial_stability": ("independent", "Credit report from a rating agency"),
    "insurance": ("third_party_attestation", "Cyber and professional indemnity insurance certificate"),
    "dpa": ("self_reported", "Data processing agreement (signed, agreed form)"),
}
WAIVER_REASON = ("The external red-team and bias review is booked for the first pilot month; go-live is made "
                 "conditional on its report in the contract, and the pilot uses anonymised claim files only.")


def _due_diligence(procedure, users, winner) -> None:
    """Close the winner's due-diligence gaps with the evidence a real team would collect and review; the one gap
    that cannot close before the award (an external evaluation) is waived by the Chief Risk Officer, with a reason
    the memo, its PDF and the history carry."""
    from vendors import services as vendor_services
    from vendors.demo import _pdf as vendor_pdf
    from vendors.models import Evidence
    from vendors.selectors import dd_checklist

    lead, today = users["lead"], timezone.localdate()
    vendor = winner.vendor
    for item in dd_checklist(vendor, today).items:
        if item.satisfied or item.code not in DD_EVIDENCE:
            continue
        source, title = DD_EVIDENCE[item.code]
        previous = (Evidence.objects.filter(vendor=vendor, kind=item.code, superseded_by__isnull=True)
                    .order_by("-uploaded_at", "-pk").first())
        evidence = vendor_services.evidence_upload(
            actor=lead, vendor=vendor, content=ContentFile(vendor_pdf(f"{title} ({vendor})")),
            original_name=f"{item.code}.pdf",
            kind=item.code, title=title, source=source, effective_date=today - timedelta(days=3),
            valid_until=today + timedelta(days=365), supersedes=previous)
        vendor_services.evidence_review(actor=lead, evidence=evidence, outcome=Evidence.Outcome.ACCEPTED)
    gaps = [item.label for item in dd_checklist(vendor, today).items if not item.satisfied]
    if gaps:
        services.waiver_record(actor=users["approver"], procedure=procedure, kind="due_diligence",
                               subject="; ".join(gaps), reason=WAIVER_REASON)


def _memo(procedure, lead) -> DecisionMemo:
    data = results.procedure_results(procedure, samples=1)
    winner = Bid.objects.get(pk=data.result.winner.key, status=Bid.Status.SHORTLISTED)
    memo = services.memo_create(actor=lead, procedure=procedure, recommended_bid=winner,
                                contract_value=procedure.estimated_value)
    others = Bid.objects.filter(procedure=procedure, status=Bid.Status.SHORTLISTED).exclude(pk=winner.pk)
    # The memo's sentences about the scores come from the scores themselves, so the demo cannot contradict them.
    reasons = alternative_reasons(data.result, str(winner.pk), others)
    recommendation = (recommendation_basis(procedure, data.result, str(winner.pk))
                      + " It also offers the cleanest data terms: files stay in the EU and are never used for "
                        "training.")
    memo = services.memo_update(actor=lead, memo=memo, alternatives=reasons, reason="Demo memo written",
                                recommendation=recommendation, **NARRATIVE)
    return services.memo_submit(actor=lead, memo=memo)


def _sign_off(memo, users) -> DecisionMemo:
    approvers = [users[name] for name in sorted({n for names in MEMBERS.values() for n in names}) if name in users]
    for approver in approvers:
        memo.refresh_from_db()
        if memo.status != DecisionMemo.Status.IN_APPROVAL:
            break
        if signoff_refusal(memo, approver) is None:
            seat = signable_steps(open_route(memo), approver)[0]  # one signature, one committee
            services.signoff_record(actor=approver, memo=memo, decision="approve", committee=seat.committee.key,
                                    comment="Read the frozen version; the scoring supports it.",
                                    password=settings.BATON_DEMO_PASSWORD)
    memo.refresh_from_db()
    return memo


def seed(*, users, stdout) -> None:
    if AwardProcedure.objects.filter(title=TITLE).exists():
        stdout.write("Awarded procedure demo already present.")
        return
    vendors = _vendors()
    if len(vendors) < 3:
        stdout.write("Awarded procedure demo skipped: the vendors demo is missing.")
        return
    try:
        with transaction.atomic():  # a stop part-way leaves nothing behind
            procedure, memo = _journey(users, vendors, stdout)
    except (DomainError, ValidationError, PermissionDenied) as exc:
        stdout.write(f"Awarded procedure demo stopped: {exc}")
        return
    procedure.refresh_from_db()
    stdout.write(f"Award procedure {procedure.reference} {procedure.get_stage_display().lower()}: decision memo "
                 f"{memo.get_status_display().lower()}, {memo.debriefs.count()} debriefs open.")


def _journey(users, vendors, stdout):
    lead, owner = users["lead"], users["owner"]
    today = timezone.localdate()
    procedure = services.procedure_create(
        actor=lead, submission="recorded", title=TITLE, business_owner=owner, category="foundation_model_api",
        estimated_value=Decimal("240000"), currency="EUR", term_months=24,
        need_statement=("Claims adjusters read long files — reports, e-mails, photos of forms — before they "
                        "can decide. We want an API that summarises a claim file with a citation for every "
                        "statement, inside our claims system.\n\n**Outcome:** halve the reading time per "
                        "claim without more reopened claims."))
    procedure = services.procedure_set_timeline(
        actor=lead, procedure=procedure, rfp_issue_date=today, question_deadline=today + timedelta(days=10),
        proposals_due=today + timedelta(days=25), demo_start=today + timedelta(days=28),
        demo_end=today + timedelta(days=35), target_award_date=today + timedelta(days=55))
    procedure = services.procedure_advance(actor=lead, procedure=procedure, target=Stage.REQUIREMENTS,
                               reason="Need statement agreed with Claims Operations")
    for title, priority in REQUIREMENTS:
        requirement = services.requirement_add(actor=lead, procedure=procedure, title=title, priority=priority)
        services.requirement_agree(actor=owner, requirement=requirement)
    bids = [services.bid_invite(actor=lead, procedure=procedure, vendor=vendor) for vendor in vendors]
    build_scorecard(procedure=procedure, users=users, bids=bids)
    if _blocked(procedure, Stage.RFP_ISSUED, stdout):
        raise DomainError("the RFP could not be issued")
    procedure = services.procedure_advance(actor=lead, procedure=procedure, target=Stage.RFP_ISSUED,
                               reason="RFP pack sent to the three invited vendors")
    for index, bid in enumerate(bids):
        services.proposal_document_add(actor=lead, bid=bid, title="Technical and commercial proposal",
                                       upload=_pdf("Technical and commercial proposal", bid.vendor))
        bids[index] = services.bid_record_submission(actor=lead, bid=bid)
    _evidence(procedure, lead, bids)
    procedure = _score(procedure, users, bids)
    _references(lead, bids)
    _knockouts(procedure, lead, bids)
    _settle_spreads(procedure, lead)
    procedure = _shortlist(procedure, lead, bids)
    winner = Bid.objects.get(pk=results.procedure_results(procedure, samples=1).result.winner.key)
    _due_diligence(procedure, users, winner)
    memo = _sign_off(_memo(procedure, lead), users)
    return procedure, memo
