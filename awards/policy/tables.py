"""The snapshots of this app's policy tables (declared on its AppConfig, `Contributions.policy_tables`): each
returns the table as it stands now, as plain JSON (procurement.policy_tables).

- committees: [{key, name, description, quorum, members: [usernames, sorted]}] in key order;
- approval matrix: [{id, name, position, currency, min, max, tiers, committees: [keys], active}] in the order the
  rules are tried (position, then id). Amounts are strings (exact decimals); `max` is None for no upper limit.
"""

from __future__ import annotations


def _amount(value) -> str | None:
    return None if value is None else f"{value:f}"


def committees_snapshot():
    from awards.models import Committee

    rows = Committee.objects.prefetch_related("members").order_by("key")
    return [{"key": c.key, "name": c.name, "description": c.description, "quorum": c.quorum,
             "members": sorted(u.username for u in c.members.all())} for c in rows]


def approval_matrix_snapshot():
    from awards.models import ApprovalRule

    rows = ApprovalRule.objects.prefetch_related("committees").order_by("position", "pk")
    return [{"id": r.pk, "name": r.name, "position": r.position, "currency": r.currency,
             "min": _amount(r.min_value), "max": _amount(r.max_value), "tiers": list(r.tiers),
             "committees": [c.key for c in sorted(r.committees.all(), key=lambda c: c.pk)], "active": r.active}
            for r in rows]
