"""Home-page panel: contracts you work on (one query)."""

from django.urls import reverse

from contracts.selectors import contracts_for_dashboard


def panels(user) -> list[dict]:
    rows = list(contracts_for_dashboard(user).exclude(status="closed").select_related("vendor")
                .order_by("-created_at")[:8])
    if not rows:
        return []
    return [{"title": "Contracts you work on", "count": len(rows), "items": rows,
             "template": "contracts/_panel_contracts.html", "more_url": reverse("contracts:list")}]
