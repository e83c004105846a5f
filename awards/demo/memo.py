"""Demo data for the decision memo (idempotent): the demo approvers join the approval committees, and once the
demo procedure is at the shortlist a draft memo is written for the lead to submit.

The seeded matrix routes an award to a critical-tier vendor (the demo's winners) to the procurement manager, the
risk committee and the executive committee. One signature counts for one committee, so five people sign: Kwame
Mensah as procurement manager, Amara Chen and Rafael Moreno as the risk committee's quorum of two, and Nadia Haddad
and Jonas Weber as the executive committee's.
"""

from django.core.exceptions import ValidationError

from awards import services
from awards.models import AwardProcedure, Bid, Committee, DecisionMemo
from awards.models.procedure import Stage
from awards.models.scorecard import ConsensusNote
from procurement.audit.history import attribute
from procurement.exceptions import DomainError

MEMBERS = {
    "procurement-manager": ("approver3",),
    "risk-committee": ("approver", "approver2"),
    "executive-committee": ("approver4", "approver5"),
}

NARRATIVE = {
    "do_nothing": "Ticket volume grows about 18 % a year; without deflection we need two more agents per year.",
    "build_in_house": "We have no team to run and evaluate a language model in production this year.",
    "negotiation_objectives": "A two-year fixed unit price, EU-only processing, and a ninety-day model-change notice.",
    "key_asks": "- No training on our data or prompts\n- Source citations kept in every answer\n- Exit assistance",
    "key_clauses": "Data rights and no-train, IP indemnity for generated output, uptime and latency SLAs with "
                   "credits, model deprecation notice, EU AI Act flow-down, exit and data return.",
    "walk_away": "Any right to use our data for training; uncapped overage pricing.",
    "batna_notes": "The runner-up already accepted our data terms and can start within six weeks.",
}


def _points(value: float) -> str:
    return f"{value:.2f}"


def recommendation_basis(procedure, result, winner_key: str) -> str:
    """The first sentence of the demo memo's recommendation, told from the scoring data: the winner's total, and
    a consensus note only when the panel recorded one for this procedure."""
    winner = result.bid(winner_key)
    notes = ConsensusNote.objects.filter(bid__procedure=procedure).count()
    if notes:
        consensus = (f"after the panel settled {notes} disputed score{'s' if notes != 1 else ''} in a consensus "
                     "note")
    elif result.flags:
        consensus = "although some evaluator scores are still far apart"
    else:
        consensus = "with no evaluator scores far enough apart to need a consensus note"
    ranked = [b for b in result.ranking if b.key != winner_key]
    lead = f", {_points(winner.total - ranked[0].total)} points ahead of the next ranked bid" if ranked else ""
    return f"Highest weighted total ({_points(winner.total)} of 100{lead}), {consensus}; it passed every knockout."


def alternative_reasons(result, winner_key: str, bids) -> dict[int, str]:
    """Why each other bid was not chosen, from its own result: its rank and total against the winner's, or the
    knockout it failed (an excluded bid has no rank, whatever its scores)."""
    winner = result.bid(winner_key)
    reasons = {}
    for bid in bids:
        own = result.bid(str(bid.pk))
        if own.excluded:
            reasons[bid.pk] = (f"{bid.vendor} is out of the competition: {own.exclusion_reason or 'failed a knockout'}"
                               ". A bid that fails a knockout is not ranked, whatever its scores.")
        elif own.total is not None:
            reasons[bid.pk] = (f"{bid.vendor} ranked {own.rank} with {_points(own.total)} of 100, against "
                               f"{_points(winner.total)} for the recommended bid.")
        else:
            reasons[bid.pk] = f"{bid.vendor} has no complete scores, so it cannot be weighed against the winner."
    return reasons


def seed(*, users, stdout) -> None:
    for key, usernames in MEMBERS.items():
        committee = Committee.objects.filter(key=key).first()
        if committee is None:
            continue
        wanted = [users[name] for name in usernames if name in users]
        missing = [u for u in wanted if not committee.members.filter(pk=u.pk).exists()]
        if missing:
            attribute(committee, actor=users.get("admin"), reason="Demo committee members")
            committee.members.add(*missing)
    from awards.demo import TITLE

    procedure = AwardProcedure.objects.filter(title=TITLE).first()
    if procedure is None or DecisionMemo.objects.filter(procedure=procedure).exists():
        stdout.write("Decision memo demo: committees ready.")
        return
    if procedure.stage != Stage.SHORTLIST:
        stdout.write(f"Decision memo demo: committees ready; {procedure.reference} is "
                     f"{procedure.get_stage_display()}, so the memo is left for the lead to write at the shortlist.")
        return
    lead = users["lead"]
    try:
        from awards.results import procedure_results

        data = procedure_results(procedure, samples=1)
        winner = data.result.winner.key if data.result and data.result.winner else None
        bid = Bid.objects.filter(pk=winner, status=Bid.Status.SHORTLISTED).first() if winner else None
        memo = services.memo_create(actor=lead, procedure=procedure, recommended_bid=bid)
        narrative = dict(NARRATIVE)
        others = []
        if bid is not None:
            narrative["recommendation"] = (recommendation_basis(procedure, data.result, str(bid.pk))
                                           + " The POV met the accuracy and hallucination thresholds on our own "
                                             "tickets.")
            others = Bid.objects.filter(procedure=procedure, status=Bid.Status.SHORTLISTED).exclude(pk=bid.pk)
        services.memo_update(actor=lead, memo=memo, reason="Demo memo drafted",
                             alternatives=alternative_reasons(data.result, str(bid.pk), others) if bid else None,
                             **narrative)
    except (DomainError, ValidationError) as exc:
        stdout.write(f"Decision memo demo stopped: {exc}")
        return
    stdout.write(f"Decision memo demo: a draft memo for {procedure.reference} is ready for the lead to submit.")
