"""Home-page panels: contracts you work on (one query) and, for post-award managers, what needs attention on
the contracts they manage (a fixed number of queries, whatever the number of contracts).

Both come from the policy (contracts.policies): "Post-award: needs your attention" covers the open contracts of
`managed_contracts(user)` (the policy's "acknowledge_pack": the contract's post-award manager); "Contracts you
work on" the open contracts where "negotiate" is actionable (the team, and leads)."""

from django.urls import reverse
from django.utils import timezone

from contracts.alerts import alerts_for
from contracts.policies import contract_policy, managed_contracts
from contracts.selectors import contracts_for_dashboard


def _post_award_panel(user) -> list[dict]:
    managed = list(managed_contracts(user).exclude(status="closed")
                   .select_related("vendor").order_by("reference"))
    if not managed:
        return []
    alerts = [a for a in alerts_for(managed, on=timezone.localdate(), user=user).values() if a.count]
    return [{"title": "Post-award: needs your attention", "count": sum(a.count for a in alerts), "items": alerts,
             "template": "contracts/_panel_post_award.html", "more_url": reverse("contracts:list")}]


def panels(user) -> list[dict]:
    found = _post_award_panel(user)
    rows = list(contracts_for_dashboard(user).exclude(status="closed")
                .filter(pk__in=contract_policy.actionable(user, "negotiate").values("pk")).select_related("vendor")
                .order_by("-created_at")[:8])
    if rows:
        found.append({"title": "Contracts you work on", "count": len(rows), "items": rows,
                      "template": "contracts/_panel_contracts.html", "more_url": reverse("contracts:list")})
    return found
