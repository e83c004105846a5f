"""Daily reminders before the notice deadline and the renewal (end) date of each signed or active contract.

Lead times come from the "reminder lead times" policy table (issue 21): each contract follows the version it was
opened under (version 1, the settings BATON_NOTICE_LEAD_DAYS and BATON_RENEWAL_LEAD_DAYS, when it has no pin).
A reminder is due on every day
of its window, and the notification key names the contract, the kind of date and the date itself: running the
job twice, or every day of the window, tells each person once; if a change order moves the end date, the new
date gets its own reminder.
"""

from __future__ import annotations

from datetime import date, timedelta

from contracts.models import Contract
from contracts.notices import tell
from contracts.services._common import today

WATCHED = (Contract.Status.SIGNED, Contract.Status.ACTIVE)


def lead_days(contract: Contract | None = None) -> dict[str, int]:
    """The lead times that apply to `contract` (its pinned version), or the current ones for what starts now."""
    from contracts.policy.tables import REMINDER_LEAD_TIMES, lead_days_for
    from procurement import policy_tables

    if contract is not None:
        return lead_days_for(contract)
    current = policy_tables.current(REMINDER_LEAD_TIMES).snapshot
    return {"notice": int(current["notice"]), "renewal": int(current["renewal"])}


def due_reminders(contract: Contract, on: date, leads: dict[str, int] | None = None) -> list[tuple[str, date]]:
    """[(which, the date)] whose reminder window contains `on` (`leads`: the contract's lead times, when the
    caller has them already)."""
    leads, found = leads or lead_days(contract), []
    for which, day in (("notice", contract.notice_date), ("renewal", contract.end_date)):
        if day is not None and day - timedelta(days=leads[which]) <= on <= day:
            found.append((which, day))
    return found


def renewal_reminders_send(*, on: date | None = None) -> int:
    on = on or today()
    from contracts.policy.tables import lead_days_reader

    sent = 0
    contracts = (Contract.objects.filter(status__in=WATCHED, end_date__isnull=False)
                 .select_related("post_award_manager", "negotiation_lead", "business_owner"))
    leads_of = lead_days_reader()  # every version of the lead times, read once
    for contract in contracts:
        for which, day in due_reminders(contract, on, leads_of(contract)):
            days_left = (day - on).days
            if which == "notice":
                subject = (f"{contract.reference}: last day to give notice is {day:%d %b %Y} "
                           f"({days_left} day{'s' if days_left != 1 else ''} left)")
                body = (f"Without notice by then, the contract renews ({contract.renewal or 'see its renewal terms'}). "
                        "Decide whether to renew, renegotiate or exit.")
            else:
                subject = f"{contract.reference}: the term ends on {day:%d %b %Y} ({days_left} days left)"
                body = "Confirm the renewal, or make sure the exit runbook is under way."
            sent += tell([contract.post_award_manager, contract.negotiation_lead, contract.business_owner],
                         kind="renewal_notice", key=f"contracts:{contract.pk}:{which}:{day.isoformat()}",
                         subject=subject, body=body, target=contract)
    return sent
