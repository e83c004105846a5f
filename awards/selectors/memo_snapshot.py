"""The decision memo's scoring summary, built from awards.results and frozen into the memo version at submission.

`scoring_snapshot(procedure, recommended_bid, decision_date)` returns plain JSON data: totals and group scores
(the results selector's own snapshot), knockouts per bid, spread flags with their consensus notes, the
sensitivity verdict and Monte Carlo odds, the SVG charts (so the PDF of an approved memo shows the charts as
they were approved), the conflicts declared and recusals, POV results, reference checks, the recommended
vendor's due-diligence status as of the decision date, and each bid's debrief lines against the winner.
"""

from __future__ import annotations

from datetime import date

from django.db.models import Prefetch

from awards import charts, scoring
from awards.models import Bid, ConflictDeclaration, PovCriterion, ReferenceCheck
from awards.results import procedure_results
from awards.selectors import pov_outcome


def _num(value) -> str:
    return "" if value is None else str(value)


def _bids(procedure) -> list[Bid]:
    return list(Bid.objects.filter(procedure=procedure).select_related("vendor", "pov").prefetch_related(
        Prefetch("reference_checks", queryset=ReferenceCheck.objects.order_by("checked_on", "pk")),
        Prefetch("pov__criteria", queryset=PovCriterion.objects.order_by("pk")),
    ).order_by("vendor__legal_name", "pk"))


def _conflicts(procedure) -> list[dict]:
    rows = (ConflictDeclaration.objects.filter(assignment__procedure=procedure, has_conflict=True)
            .select_related("assignment__evaluator", "bid__vendor")
            .order_by("bid__vendor__legal_name", "assignment__evaluator__last_name", "pk"))
    return [{"evaluator": d.assignment.evaluator.get_full_name() or d.assignment.evaluator.get_username(),
             "evaluator_id": d.assignment.evaluator_id, "bid": str(d.bid_id), "vendor": str(d.bid.vendor),
             "description": d.description, "review": d.review, "review_label": d.get_review_display(),
             "recused": d.review == ConflictDeclaration.Review.RECUSED} for d in rows]


def _dd(bid: Bid, as_of: date) -> dict:
    """The recommended bid's due diligence: the vendor's checklist on its current tier, with references counted
    from the bid's reference checks (awards.selectors.bid_due_diligence, as on the bid and procedure pages)."""
    from awards.selectors import bid_due_diligence

    vendor = bid.vendor
    status = bid_due_diligence(bid, as_of)
    return {"as_of": as_of.isoformat(), "complete": status.complete, "gaps": list(status.gaps),
            "satisfied": list(status.satisfied), "tier": vendor.tier or "", "tier_label":
            vendor.get_tier_display() if vendor.tier else "Not tiered"}


def _knockouts(data) -> list[dict]:
    if data.result is None:
        return []
    out = []
    for bid in data.result.bids:
        out.append({"bid": bid.key, "label": bid.label, "excluded": bid.excluded,
                    "reason": bid.exclusion_reason or "",
                    "outcomes": [{"key": k.key, "label": k.label, "passed": k.passed} for k in bid.knockouts],
                    "undecided": list(bid.undecided_knockouts)})
    return out


def _flags(data) -> list[dict]:
    if data.result is None:
        return []
    labels = {c.key: c.label for c in data.result.criteria}
    bid_labels = {b.key: b.label for b in data.result.bids}
    notes = {(str(bid_id), c.key): n for (bid_id, cid), n in data.notes.items()
             for c in data.criteria if c.pk == cid}
    out = []
    for spread in data.result.flags:
        note = notes.get((spread.bid, spread.criterion))
        out.append({"bid": spread.bid, "label": bid_labels.get(spread.bid, spread.bid),
                    "criterion": labels.get(spread.criterion, spread.criterion), "range": spread.range,
                    "minimum": spread.minimum, "maximum": spread.maximum, "resolved": spread.resolved,
                    "note": note.note if note else "", "consensus_score": _num(note.score) if note else ""})
    return out


def _debriefs(data) -> dict:
    if data.result is None:
        return {}
    winner = data.result.winner
    out = {}
    for bid in data.result.bids:
        lines = scoring.debrief_groups(data.result, bid.key)
        out[bid.key] = {
            "total": bid.total, "rank": bid.rank, "excluded": bid.excluded, "reason": bid.exclusion_reason or "",
            "winning_total": winner.total if winner else None,
            "groups": [{"group": g.group, "weight": g.weight, "points": g.points, "percent": g.percent,
                        "winner_points": g.winner_points, "winner_percent": g.winner_percent} for g in lines],
        }
    return out


def scoring_snapshot(procedure, recommended_bid: Bid | None, decision_date: date) -> dict:
    data = procedure_results(procedure)
    summary = data.snapshot()
    bids = _bids(procedure)
    pov = []
    references = []
    for bid in bids:
        outcome = pov_outcome(bid)
        if outcome["locked"] or outcome["results"]:
            pov.append({"bid": str(bid.pk), "vendor": str(bid.vendor), "locked": outcome["locked"],
                        "all_met": outcome["all_met"], "results": [
                            {"metric": r["metric"], "symbol": r["symbol"], "threshold": _num(r["threshold"]),
                             "unit": r["unit"], "value": _num(r["value"]), "met": r["met"]}
                            for r in outcome["results"]]})
        for check in bid.reference_checks.all():
            references.append({"bid": str(bid.pk), "vendor": str(bid.vendor), "organisation": check.organisation,
                               "source": check.get_source_display(), "checked_on": check.checked_on.isoformat(),
                               "rating": check.rating, "findings": check.findings})
    winner = data.result.winner if data.result else None
    recommended_key = str(recommended_bid.pk) if recommended_bid else None
    recommended_rank = None
    if data.result is not None and recommended_key is not None:
        try:
            recommended_rank = data.result.bid(recommended_key).rank
        except KeyError:
            recommended_rank = None
    return {
        **summary,
        "procedure": procedure.reference,
        "decision_date": decision_date.isoformat(),
        "bids": [{"bid": str(b.pk), "vendor": str(b.vendor), "status": b.status, "tier": b.vendor.tier}
                 for b in bids],
        "winner": winner.key if winner else None,
        "recommended": recommended_key,
        "recommended_rank": recommended_rank,
        "knockouts": _knockouts(data),
        "flag_notes": _flags(data),
        "conflicts": _conflicts(procedure),
        "pov": pov,
        "references": references,
        "due_diligence": _dd(recommended_bid, decision_date) if recommended_bid else None,
        "debriefs": _debriefs(data),
        "charts": {
            "heatmap": charts.score_heatmap_svg(data.result) if data.result else "",
            "totals": charts.totals_bar_svg(data.result) if data.result else "",
        },
    }
