"""What an awarded procedure shows: the winner, the standstill period (and any waiver of it), the debriefs and the
contracts opened from the award. Contracts sit above awards, so they are read through the app registry by name,
never imported."""

from __future__ import annotations

from django.apps import apps
from django.utils import timezone

from awards.models import DecisionMemo
from awards.models.memo import MemoStatus
from awards.models.waivers import WaiverKind
from awards.policies import debrief_policy
from awards.selectors.waivers import waivers_for


def award_outcome(procedure, user) -> dict | None:
    """None until the procedure's decision memo is approved."""
    memo = (DecisionMemo.objects.select_related("recommended_bid__vendor")
            .filter(procedure=procedure, status=MemoStatus.APPROVED).first())
    if memo is None:
        return None
    ends_on = memo.standstill_ends_on
    debriefs = list(debrief_policy.visible(user).filter(memo=memo).order_by("bid__vendor__legal_name", "pk"))
    for debrief in debriefs:
        debrief.memo = memo  # the link needs the procedure's reference; no query per row
    try:
        contract_model = apps.get_model("contracts", "Contract")
    except LookupError:
        contracts = []
    else:
        contracts = list(contract_model.objects.filter(procedure=procedure).order_by("pk")
                         .values("reference", "status"))
    return {
        "memo": memo,
        "winner": memo.recommended_bid.vendor if memo.recommended_bid_id else None,
        "standstill_ends_on": ends_on,
        "standstill_over": ends_on is None or timezone.localdate() > ends_on,
        "standstill_waivers": list(waivers_for(procedure, WaiverKind.STANDSTILL)),
        "debriefs": debriefs,
        "contracts": contracts,
    }
