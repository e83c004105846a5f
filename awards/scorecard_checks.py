"""Stage prerequisites of the scorecard (issue 5), registered with awards.prerequisites.

- RFP issued: criteria before the RFP — a scorecard whose weights sum to exactly 100, every must-requirement
  assessed by at least one criterion, and at least one knockout defined.
- Shortlist: every evaluator has submitted, every knockout is confirmed for every bid, and every spread flag
  carries a consensus note.

Each check runs a fixed number of queries whatever the number of bids, criteria or evaluators.
"""

from awards.models import Requirement
from awards.models.procedure import Stage
from awards.models.scorecard import Criterion, CriterionGroup, Knockout, Scorecard
from awards.prerequisites import register


def uncovered_musts(procedure) -> list[Requirement]:
    return list(Requirement.objects.filter(procedure=procedure, priority=Requirement.Priority.MUST)
                .exclude(coverage__isnull=False).order_by("pk"))


@register(Stage.RFP_ISSUED)
def scorecard_complete(procedure) -> list[str]:
    from awards.results import effective_weights

    scorecard = Scorecard.objects.filter(procedure=procedure).first()
    if scorecard is None:
        return ["Build the scorecard (criteria, weights and knockouts) before issuing the RFP."]
    groups = list(CriterionGroup.objects.filter(scorecard=scorecard))
    criteria = list(Criterion.objects.filter(scorecard=scorecard))
    _, problems = effective_weights(groups, criteria)
    missing = [f"Scorecard: {p}" for p in problems]
    uncovered = uncovered_musts(procedure)
    if uncovered:
        missing.append("Scorecard: no criterion assesses the must-requirement"
                       f"{'s' if len(uncovered) != 1 else ''} " + ", ".join(r.code for r in uncovered) + ".")
    if not Knockout.objects.filter(scorecard=scorecard).exists():
        missing.append("Scorecard: define the knockout criteria.")
    return missing


@register(Stage.SHORTLIST)
def scoring_complete(procedure) -> list[str]:
    from awards.results import procedure_results

    data = procedure_results(procedure, samples=1)
    if data.scorecard is None:
        return ["Build the scorecard."]
    missing = []
    outstanding = data.evaluator_count - data.submitted_count
    if outstanding > 0:
        missing.append(f"{outstanding} evaluator{'s have' if outstanding != 1 else ' has'} not submitted scores.")
    # A bid that failed a confirmed knockout, or that the lead knocked out, is out: its other knockouts need no
    # decision (issue 17, finding 2).
    out = {bid_id for (_, bid_id), decision in data.decisions.items() if decision.passed is False}
    competing = [b for b in data.bids if b.pk not in out and b.status != b.Status.KNOCKED_OUT]
    undecided = sum(1 for k in data.knockouts for b in competing if (k.pk, b.pk) not in data.decisions)
    if undecided:
        missing.append(f"Confirm {undecided} knockout decision{'s' if undecided != 1 else ''}.")
    if data.problems:
        missing.extend(f"Scorecard: {p}" for p in data.problems)
    elif data.result is not None:
        flags = data.result.unresolved_flags
        if flags:
            missing.append(f"Record a consensus note on {len(flags)} spread flag{'s' if len(flags) != 1 else ''}.")
    return missing
