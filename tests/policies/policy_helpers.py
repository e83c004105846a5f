"""Helpers for the policy-table tests (issue 21): the people, and POST data for a policy page's formsets."""

from __future__ import annotations

from procurement.accounts.roles import Role
from tests.factories.accounts import UserFactory


def person(role=None, **kwargs):
    return UserFactory(roles=[role] if role else [], **kwargs)


def policy_admin():
    return person(Role.POLICY_ADMINISTRATOR)


def formset(prefix: str, rows: list[dict], *, initial: int | None = None) -> dict:
    """A formset's POST data: its management form and each row's fields (lists stay lists)."""
    data = {f"{prefix}-TOTAL_FORMS": str(len(rows)),
            f"{prefix}-INITIAL_FORMS": str(len(rows) if initial is None else initial),
            f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"}
    for index, row in enumerate(rows):
        for name, value in row.items():
            if value is None or value is False:
                continue
            data[f"{prefix}-{index}-{name}"] = ("on" if value is True else
                                                [str(v) for v in value] if isinstance(value, list | tuple)
                                                else str(value))
    return data


def committee_rows(approvers: dict[str, list]) -> list[dict]:
    """The committees as they stand, with `approvers[key]` as members (every committee needs enough members for
    its quorum)."""
    from awards.models import Committee

    return [{"id": c.pk, "key": c.key, "name": c.name, "quorum": c.quorum,
             "members": [u.pk for u in approvers.get(c.key, [])]} for c in Committee.objects.order_by("pk")]


def rule_rows() -> list[dict]:
    from awards.models import ApprovalRule

    return [{"id": r.pk, "position": r.position, "name": r.name, "currency": r.currency, "min_value": r.min_value,
             "max_value": "" if r.max_value is None else r.max_value, "tiers": list(r.tiers),
             "committees": [c.key for c in r.committees.order_by("pk")], "active": r.active}
            for r in ApprovalRule.objects.order_by("position", "pk")]
