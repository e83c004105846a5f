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
