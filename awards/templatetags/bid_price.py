"""The procedure page's price panel (issue 20): the lead's volume assumptions, the price formula, and once bids are
priced (after the opening, or as the lead records them for bids received outside Baton) the cost comparison: each
admitted bid's total over the term in its currency, the rate used, its total in the base currency and its price
score.

Owned with its template templates/awards/portal_side/_price.html."""

from django import template

register = template.Library()


@register.inclusion_tag("awards/portal_side/_price.html", takes_context=True)
def price_panel(context, procedure):
    from awards.models import Bid, PriceLine, VolumeAssumption
    from awards.models.procedure import Submission
    from awards.models.scorecard import Scorecard
    from awards.policies import procedure_policy
    from awards.selectors.price import bid_costs, price_outcome, rate_day
    from awards.services.price_assumptions import RECORDING_STAGES, assumptions_open

    user = context["user"]
    # The panel lists every bid's price: only for people who see every bid of the procedure (the page computed it;
    # an evaluator sees only the bids they declared for, and the score sheet shows them the formula).
    if not context.get("sees_all_bids"):
        return {"show": False}
    scorecard = Scorecard.objects.filter(procedure=procedure).first()
    assumptions = list(VolumeAssumption.objects.filter(procedure=procedure).order_by("position", "pk"))
    recording = procedure.submission == Submission.RECORDED and procedure.stage in RECORDING_STAGES
    costs = bid_costs(procedure) if recording or PriceLine.objects.filter(bid__procedure=procedure).exists() else []
    outcome = price_outcome(procedure, scorecard, costs=costs) if scorecard is not None else None
    priced = any(c.lines for c in costs)
    can_edit = procedure_policy.allows(user, "edit", procedure)
    recorded = procedure.submission == Submission.RECORDED
    return {
        "procedure": procedure, "user": user, "request": context.get("request"), "show": True,
        "assumptions": assumptions,
        "assumptions_closed": assumptions_open(procedure), "can_edit": can_edit, "scorecard": scorecard,
        "outcome": outcome, "costs": costs, "priced": priced,
        "rows": outcome.rows() if outcome is not None else [(c, None) for c in costs],
        "rate_day": rate_day(procedure),
        "can_record": can_edit and recorded and procedure.stage in RECORDING_STAGES,
        "recordable": [c for c in costs if c.bid.status != Bid.Status.DECLINED],
    }
