"""Telling people about contract events through the kernel's notifications (idempotent on recipient + key)."""

from __future__ import annotations


def tell(recipients, *, kind: str, key: str, subject: str, body: str = "", target=None, url: str = "") -> int:
    """Notify each distinct, present recipient once for `key`; returns how many notifications were created."""
    from procurement.notifications.services import notify

    created, seen = 0, set()
    for user in recipients:
        if user is None or user.pk in seen:
            continue
        seen.add(user.pk)
        if notify(recipient=user, kind=kind, key=key, subject=subject, body=body, target=target, url=url):
            created += 1
    return created


def managers_of(contract) -> list:
    """Who hears about a contract's post-award events: its post-award manager, else its negotiation lead."""
    return [contract.post_award_manager or contract.negotiation_lead]


def change_order_deciders(contract) -> list:
    """Who is asked to decide a change order: the team members the policy lets "approve_change" on this contract
    (contracts.policies: the seat the RACI marks Accountable), active ones only."""
    from contracts.policies import contract_policy

    team = {user.pk: user for _, _, user in contract.team() if user is not None}
    return [user for user in team.values() if contract_policy.can(user, "approve_change", contract)]
