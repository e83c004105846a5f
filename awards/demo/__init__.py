"""Demo data: one award procedure in evaluation, built through the services (idempotent).

"LLM assistant for customer support": four bidders, three evaluators (one declared a conflict and was recused
from that bid), a published answer, a locked demo/POV protocol with results, and references of both sources.
"""

from datetime import timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from awards import services
from awards.models import AwardProcedure, ConflictDeclaration
from awards.models.procedure import Stage
from awards.prerequisites import missing_for
from procurement.services import model_update
from vendors.models import Vendor

TITLE = "LLM assistant for customer support"
PREFERRED_VENDORS = ("Brightdesk Assist Ltd", "Meridian Language Systems Ltd", "Sable Speech Oy",
                     "Copperleaf Analytics SAS")
FALLBACK_VENDORS = (
    ("Helpline Robotics Ltd", "GB"), ("Quillon AI BV", "NL"), ("Orbis Support Cloud GmbH", "DE"),
    ("Lumen Dialog SAS", "FR"),
)

REQUIREMENTS = (
    ("Answers grounded in our knowledge base, with the source article cited", "must"),
    ("Hands the conversation to a human agent with the full transcript", "must"),
    ("Customer data stays in EU regions and is never used to train the vendor's models", "must"),
    ("Replies in English, German and Spanish", "should"),
    ("Agents can rate and correct suggested answers", "could"),
)

POV_CRITERIA = (
    ("Answer accuracy on our 200 labelled tickets", "gte", Decimal("85"), "%",
     "200 resolved tier-1 tickets from the last quarter, anonymised; graded by two support leads", Decimal("88.5")),
    ("Hallucination rate", "lte", Decimal("2"), "%",
     "Same 200 tickets; any claim not supported by a knowledge-base article counts", Decimal("1.5")),
    ("p95 response latency", "lte", Decimal("2"), "s",
     "Replay of one peak hour (1,400 requests) from the EU region", Decimal("2.3")),
    ("Cost per 1,000 requests", "lte", Decimal("4.00"), "EUR",
     "Vendor's quoted unit price applied to the peak-hour replay mix", Decimal("3.10")),
)


# Steps other capabilities need before the RFP can be issued (e.g. building the scorecard). Each is called as
# step(procedure=..., users=..., bids=...) and must be idempotent-safe within this one-off seed. The demo
# registers its own steps (see the end of this module); production code never imports the demo.
before_rfp_issue: list = []



def _age_timeline(procedure, *, actor, reason: str, **dates):
    """Demo data only: store an issued procedure's dates as if the weeks since the RFP had passed. A person
    changing the dates bidders were told goes through services.procedure_set_timeline (a reason, a waiver and
    a notice); the demo's clock moving on is not that, so it is written directly with a reason that says so."""
    return model_update(instance=procedure, fields=dates, allowed=dates.keys(), actor=actor, reason=reason)

def _blocked(procedure, target, stdout) -> bool:
    """True (and say why) when some registered prerequisite is not met by the demo data; the seed then stops
    here rather than failing the whole demo load."""
    readiness = missing_for(procedure, target)
    if readiness.ready:
        return False
    stdout.write(f"Award procedure demo stopped before {target}: " + " ".join(readiness.missing))
    return True


def _pdf(title: str, vendor: Vendor) -> SimpleUploadedFile:
    body = (f"%PDF-1.4\n% Demo proposal\n% {title} from {vendor}\n1 0 obj << /Type /Catalog >> endobj\n"
            "trailer << /Root 1 0 R >>\n%%EOF\n").encode()
    return SimpleUploadedFile(f"{vendor.pk}-{title.lower().replace(' ', '-')}.pdf", body,
                              content_type="application/pdf")


def _vendors(lead) -> list[Vendor]:
    chosen = list(Vendor.objects.filter(legal_name__in=PREFERRED_VENDORS).exclude(status=Vendor.Status.EXITED))
    if len(chosen) < 4:
        chosen += list(Vendor.objects.exclude(pk__in=[v.pk for v in chosen])
                       .exclude(status=Vendor.Status.EXITED).order_by("legal_name")[: 4 - len(chosen)])
    if len(chosen) < 4:
        from vendors import services as vendor_services

        for legal_name, country in FALLBACK_VENDORS[: 4 - len(chosen)]:
            chosen.append(vendor_services.vendor_create(
                actor=lead, legal_name=legal_name, country=country, offering_type="ai_saas",
                ai_act_role="provider", reason="Demo data"))
    return sorted(chosen, key=lambda v: v.legal_name)


def seed(*, users, stdout) -> None:
    if AwardProcedure.objects.filter(title=TITLE).exists():
        stdout.write("Award procedure demo already present.")
        return
    lead, owner = users["lead"], users["owner"]
    evaluators = [users["evaluator"], users["evaluator2"], users["evaluator3"]]
    today = timezone.localdate()

    procedure = services.procedure_create(
        actor=lead, title=TITLE, business_owner=owner, category="ai_saas", estimated_value=Decimal("420000"),
        currency="EUR", term_months=36, submission="recorded",
        need_statement=("Our support team answers about 18,000 tickets a month; two thirds are routine questions "
                        "already covered by the help centre. We want an assistant that answers those in chat "
                        "and email, cites its sources, and hands anything else to an agent.\n\n"
                        "**Outcome:** deflect 40 % of tier-1 tickets within six months without lowering CSAT."))
    # While the RFP is open the dates are ahead, with the windows a critical-tier bidder is owed (25 days to
    # answer, 10 to ask); the demo then dates them as if that time had passed (see below).
    procedure = services.procedure_set_timeline(
        actor=lead, procedure=procedure, rfp_issue_date=today, question_deadline=today + timedelta(days=10),
        proposals_due=today + timedelta(days=25), demo_start=today + timedelta(days=28),
        demo_end=today + timedelta(days=35), target_award_date=today + timedelta(days=55))
    procedure = services.procedure_advance(actor=lead, procedure=procedure, target=Stage.REQUIREMENTS,
                                           reason="Need statement agreed with Customer Support")
    for title, priority in REQUIREMENTS:
        requirement = services.requirement_add(actor=lead, procedure=procedure, title=title, priority=priority)
        services.requirement_agree(actor=owner, requirement=requirement)
    bids = [services.bid_invite(actor=lead, procedure=procedure, vendor=vendor) for vendor in _vendors(lead)]
    for step in before_rfp_issue:
        step(procedure=procedure, users=users, bids=bids)
    if _blocked(procedure, Stage.RFP_ISSUED, stdout):
        return
    procedure = services.procedure_advance(actor=lead, procedure=procedure, target=Stage.RFP_ISSUED,
                                           reason="RFP pack sent to the four invited vendors")

    first = services.question_record(actor=lead, procedure=procedure, bid=bids[0],
                                     text=f"{bids[0].vendor} here: may we run the pilot in our own EU region?")
    services.question_answer(actor=lead, question=first, public_text="May the pilot run in the bidder's own EU "
                             "region?", answer="Yes, provided it is in the EU and the same region serves "
                             "production. State the region in your proposal.")
    services.question_publish(actor=lead, question=first)
    second = services.question_record(actor=lead, procedure=procedure, bid=bids[1],
                                      text="Is a per-conversation price acceptable instead of per request?")
    services.question_answer(actor=lead, question=second, answer="Yes; also give the equivalent per 1,000 "
                             "requests so that bids compare.")
    services.question_publish(actor=lead, question=second)

    for bid in bids:
        services.proposal_document_add(actor=lead, bid=bid, title="Technical proposal",
                                       upload=_pdf("Technical proposal", bid.vendor))
        services.proposal_document_add(actor=lead, bid=bid, title="Commercial offer",
                                       upload=_pdf("Commercial offer", bid.vendor))
        services.bid_record_submission(actor=lead, bid=bid)

    pov_bid = bids[0]
    for metric, comparator, threshold, unit, test_set, _ in POV_CRITERIA:
        services.pov_criterion_add(actor=lead, bid=pov_bid, metric=metric, comparator=comparator,
                                   threshold=threshold, unit=unit, test_set=test_set)
    services.pov_lock(actor=lead, bid=pov_bid)
    for criterion, (*_, measured) in zip(pov_bid.pov.criteria.order_by("pk"), POV_CRITERIA, strict=True):
        services.pov_result_record(actor=lead, criterion=criterion, value=measured,
                                   note="Measured in the pilot tenant against the locked test set.")

    for evaluator in evaluators:
        services.evaluator_assign(actor=lead, procedure=procedure, evaluator=evaluator)
    # Proposals have now closed: the same windows, dated as if the RFP had gone out four weeks ago.
    procedure = _age_timeline(
        procedure, actor=lead, reason="Demo data: dated as if the RFP went out four weeks ago",
        rfp_issue_date=today - timedelta(days=28), question_deadline=today - timedelta(days=18),
        proposals_due=today - timedelta(days=1), demo_start=today + timedelta(days=3),
        demo_end=today + timedelta(days=10), target_award_date=today + timedelta(days=35))
    if _blocked(procedure, Stage.EVALUATION, stdout):
        return
    procedure = services.procedure_advance(actor=lead, procedure=procedure, target=Stage.EVALUATION,
                                           reason="All four proposals received on time")

    conflicted = bids[2]
    for evaluator in evaluators:
        for bid in bids:
            if evaluator == users["evaluator2"] and bid == conflicted:
                declaration = services.conflict_declare(
                    actor=evaluator, bid=bid, has_conflict=True,
                    description=f"I worked at {bid.vendor} as a solutions architect until last year.")
                services.conflict_review(actor=lead, declaration=declaration, recuse=True,
                                         reason="Employment within the last two years; recused from this bid")
            else:
                services.conflict_declare(actor=evaluator, bid=bid, has_conflict=False)

    services.reference_check_add(
        actor=lead, bid=pov_bid, source="vendor_supplied", organisation="Harbourline Ferries",
        contact_role="Head of Customer Service", checked_on=today - timedelta(days=2), rating=4,
        findings="Live for 14 months in two languages. Deflection reached 35 %. Escalations carry the transcript.")
    services.reference_check_add(
        actor=lead, bid=pov_bid, source="independent", organisation="Civic Energy Co-op",
        contact_role="Digital channels manager", checked_on=today - timedelta(days=1), rating=3,
        findings="Found through a user group, not the vendor. Good answers; latency spikes at month end "
                 "needed a capacity change.")
    recused = ConflictDeclaration.objects.filter(review=ConflictDeclaration.Review.RECUSED,
                                                 assignment__procedure=procedure).count()
    stdout.write(f"Award procedure {procedure.reference} ready: {len(bids)} bids, {len(evaluators)} evaluators "
                 f"({recused} recusal), published Q&A, locked POV with results.")
    __import__("awards.demo.scorecard", fromlist=["seed"]).seed(users=users, stdout=stdout)  # issue 5: scores
    __import__("awards.demo.memo", fromlist=["seed"]).seed(users=users, stdout=stdout)  # issue 7: memo
    __import__("awards.demo.journey", fromlist=["seed"]).seed(users=users, stdout=stdout)  # the whole relay


def _register_steps() -> None:
    """The procedure demo builds the scorecard before issuing its RFP (awards.demo.scorecard)."""
    from awards.demo.scorecard import build_scorecard

    if build_scorecard not in before_rfp_issue:
        before_rfp_issue.append(build_scorecard)


_register_steps()
