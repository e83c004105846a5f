"""The procedure page's price panel (issue 20): the lead's volume assumptions, the price formula, and once bids are
priced (after the opening, or as the lead records them for bids received outside Baton) the cost comparison: each
admitted bid's total over the term in its currency, the rate used, its total in the base currency and its price
score.

Owned with its template templates/awards/portal_side/_price.html."""

from django import template

register = template.Library()


@register.inclusion_tag("awards/portal_side/_price.html", takes_context=True)
def price_panel(context, procedure):
    from awards.models import Bid, VolumeAssumption
    from awards.models.procedure import Submission
    from awards.models.scorecard import Scorecard
    from awards.policies import procedure_policy
    from awards.selectors.price import bid_costs, price_outcome, rate_day
    from awards.services.price_assumptions import RECORDING_STAGES, assumptions_open

    user = context["user"]
    scorecard = Scorecard.objects.filter(procedure=procedure).first()
    costs = bid_costs(procedure)
    outcome = price_outcome(procedure, scorecard, costs=costs) if scorecard is not None else None
    priced = any(c.lines for c in costs)
    can_edit = procedure_policy.allows(user, "edit", procedure)
    recorded = procedure.submission == Submission.RECORDED
    return {
        "procedure": procedure, "user": user, "request": context.get("request"), "show": True,
        "assumptions": list(VolumeAssumption.objects.filter(procedure=procedure).order_by("position", "pk")),
        "assumptions_closed": assumptions_open(procedure), "can_edit": can_edit, "scorecard": scorecard,
        "outcome": outcome, "costs": costs, "priced": priced,
        "rows": outcome.rows() if outcome is not None else [(c, None) for c in costs],
        "rate_day": rate_day(procedure),
        "can_record": can_edit and recorded and procedure.stage in RECORDING_STAGES,
        "recordable": [c for c in costs if c.bid.status != Bid.Status.DECLINED],
    }
