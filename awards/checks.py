"""The award procedure's own stage prerequisites (see awards.prerequisites for the mechanism).

Each check runs a bounded number of queries whatever the number of bids, questions or evaluators.
"""

from django.db.models import Count, Prefetch, Q
from django.utils.formats import date_format

from awards.models import Bid, ConflictDeclaration, EvaluatorAssignment, ReferenceCheck, Requirement
from awards.models.procedure import Stage, Submission
from awards.prerequisites import register

MIN_COMPETING_BIDS = 2


def admitted_bids(procedure):
    """Bids that take part in the evaluation: received, and if late, admitted by a recorded decision."""
    return (
        Bid.objects.filter(procedure=procedure, submitted_at__isnull=False)
        .exclude(status__in=[Bid.Status.INVITED, Bid.Status.DECLINED])
        .filter(Q(late_decision="") | Q(late_decision=Bid.LateDecision.ADMITTED))
    )


@register(Stage.REQUIREMENTS)
def need_is_stated(procedure) -> list[str]:
    return [] if procedure.need_statement.strip() else ["Write the need statement."]


@register(Stage.RFP_ISSUED)
def requirements_agreed(procedure) -> list[str]:
    counts = Requirement.objects.filter(procedure=procedure).aggregate(
        total=Count("pk"), agreed=Count("pk", filter=Q(agreed_at__isnull=False)),
        must=Count("pk", filter=Q(priority=Requirement.Priority.MUST)),
    )
    if not counts["total"]:
        return ["Add the requirements and have the business owner agree them."]
    missing = []
    if not counts["must"]:
        missing.append("At least one requirement must be a Must.")
    not_agreed = counts["total"] - counts["agreed"]
    if not_agreed:
        missing.append(f"{not_agreed} requirement{'s' if not_agreed != 1 else ''} not yet agreed by the business "
                       f"owner ({procedure.business_owner}).")
    return missing


@register(Stage.RFP_ISSUED)
def enough_bidders(procedure) -> list[str]:
    invited = Bid.objects.filter(procedure=procedure).exclude(status=Bid.Status.DECLINED).count()
    if invited >= MIN_COMPETING_BIDS or procedure.single_source_justification.strip():
        return []
    return [f"Invite at least {MIN_COMPETING_BIDS} vendors (invited so far: {invited}), or record a single-source "
            "justification."]


@register(Stage.RFP_ISSUED)
def timeline_set(procedure) -> list[str]:
    missing = procedure.missing_timeline_labels()
    if not missing:
        return []
    return [f"Set the timeline: {', '.join(label.lower() for label in missing)}."]


@register(Stage.EVALUATION)
def proposals_closed(procedure) -> list[str]:
    from awards.selectors.timeline import proposals_closed as deadline_passed

    if procedure.proposals_due is None:
        return ["Set the date proposals are due."]
    if not deadline_passed(procedure):
        return [f"Proposals are due on {date_format(procedure.proposals_due, 'j M Y')}; evaluation starts after "
                "that day."]
    return []


@register(Stage.EVALUATION)
def sealed_bids_opened(procedure) -> list[str]:
    """Sealed bids (issue 20) take part only once opened: evaluating before the opening would judge a field that
    nobody has seen, and the bids received through the portal would stay "invited"."""
    from awards.models import BidOpening

    if procedure.submission != Submission.PORTAL:
        return []
    if BidOpening.objects.filter(procedure=procedure, status=BidOpening.Status.OPENED).exists():
        return []
    return ["Open the sealed bids with the witnesses the policy requires before the evaluation starts."]


@register(Stage.EVALUATION)
def late_bids_decided(procedure) -> list[str]:
    pending = list(Bid.objects.filter(procedure=procedure, late_decision=Bid.LateDecision.PENDING)
                   .select_related("vendor").order_by("vendor__legal_name"))
    return [f"Decide whether to admit the late bid of {bid.vendor}." for bid in pending]


@register(Stage.EVALUATION)
def some_bid_admitted(procedure) -> list[str]:
    return [] if admitted_bids(procedure).exists() else ["Record at least one proposal received (and admitted)."]


@register(Stage.EVALUATION)
def evaluators_assigned(procedure) -> list[str]:
    if EvaluatorAssignment.objects.filter(procedure=procedure).exists():
        return []
    return ["Assign at least one evaluator."]


def _in_competition(procedure):
    """Admitted bids still competing: a bid that failed a confirmed knockout, or that the lead knocked out, waits
    for nothing and blocks nothing (issue 17, finding 2)."""
    from django.db.models import Exists, OuterRef

    from awards.models.scorecard import KnockoutDecision

    # the same bids as awards.selectors.excluded_bids, as a sub-select (no query of its own)
    failed = KnockoutDecision.objects.filter(bid=OuterRef("pk"), passed=False)
    return admitted_bids(procedure).exclude(status=Bid.Status.KNOCKED_OUT).exclude(Exists(failed))


@register(Stage.SHORTLIST)
def conflicts_declared_and_reviewed(procedure) -> list[str]:
    bids = list(_in_competition(procedure).values_list("pk", flat=True))
    assignments = list(EvaluatorAssignment.objects.filter(procedure=procedure).select_related("evaluator"))
    declared = set(ConflictDeclaration.objects.filter(assignment__procedure=procedure, bid__in=bids)
                   .values_list("assignment_id", "bid_id"))
    missing = []
    for assignment in assignments:
        outstanding = sum(1 for bid in bids if (assignment.pk, bid) not in declared)
        if outstanding:
            missing.append(f"{assignment.evaluator} has not declared conflicts of interest for {outstanding} "
                           f"bid{'s' if outstanding != 1 else ''}.")
    pending = ConflictDeclaration.objects.filter(assignment__procedure=procedure, bid__in=bids,
                                                 review=ConflictDeclaration.Review.PENDING).count()
    if pending:
        missing.append(f"Review {pending} declared conflict{'s' if pending != 1 else ''} of interest.")
    return missing


@register(Stage.SHORTLIST)
def obligations_met(procedure) -> list[str]:
    """POV and reference checks owed by the vendor's current tier (awards.selectors.obligations)."""
    from awards.selectors import bid_obligations, reference_status
    from vendors.selectors import dd_plans

    bids = list(
        _in_competition(procedure).select_related("vendor", "pov")
        .prefetch_related(Prefetch("reference_checks", queryset=ReferenceCheck.objects.only("pk", "bid_id",
                                                                                             "source")))
        .annotate(
            criteria=Count("pov__criteria", distinct=True),
            results=Count("pov__criteria", distinct=True, filter=Q(pov__criteria__result_value__isnull=False)),
        )
        .order_by("vendor__legal_name")
    )
    # the tier plans, read once per request: a page that already read them leaves them on the procedure
    plans = ((getattr(procedure, "dd_plans", None) or dd_plans(pins=procedure.policy_versions or {}))
             if bids else None)
    missing = []
    for bid in bids:
        if bid_obligations(bid, plans=plans).pov_required:
            protocol = getattr(bid, "pov", None)
            if protocol is None or not protocol.is_locked:
                missing.append(f"{bid.vendor}: lock the demo/POV protocol (the vendor's tier requires a POV).")
            elif bid.results < bid.criteria:
                missing.append(f"{bid.vendor}: enter the POV results for every criterion.")
        refs = reference_status(bid, plans=plans)
        if refs.total < refs.required:
            missing.append(f"{bid.vendor}: {refs.total} of {refs.required} reference checks done.")
        if refs.independent < refs.independent_required:
            missing.append(f"{bid.vendor}: {refs.independent} of {refs.independent_required} independently sourced "
                           "reference checks done.")
    return missing


@register(Stage.SHORTLIST)
def bids_decided(procedure) -> list[str]:
    statuses = list(_in_competition(procedure).values_list("status", flat=True))
    undecided = statuses.count(Bid.Status.SUBMITTED)
    missing = []
    if undecided:
        missing.append(f"Shortlist or knock out {undecided} bid{'s' if undecided != 1 else ''} still under "
                       "evaluation.")
    if Bid.Status.SHORTLISTED not in statuses:
        missing.append("Shortlist at least one bid.")
    return missing


@register(Stage.AWARDED)
def memo_approved(procedure) -> list[str]:
    """A procedure is awarded only by its approved decision memo (awards.services.memo.memo_award)."""
    from awards.models import DecisionMemo

    status = DecisionMemo.objects.filter(procedure=procedure).values_list("status", flat=True).first()
    if status == DecisionMemo.Status.APPROVED:
        return []
    return ["The award decision memo must be approved by every committee on its route."]
