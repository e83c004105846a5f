"""Opening a contract, its terms and team (with their object permissions), and its status."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from contracts.models import (
    ChecklistItem,
    ClausePosition,
    Contract,
    ContractUserObjectPermission,
    Kickoff,
    PlaybookClause,
    RaciActivity,
    RaciAssignment,
)
from contracts.models.contract import TEAM_FIELDS
from contracts.playbook import CHECKLIST, RACI_ACTIVITIES
from contracts.policy.tables import CONTRACT_TABLES
from contracts.services._common import ensure_editable, locked, need, require, save
from contracts.transitions import CONTRACT_TRANSITIONS
from procurement import policy_tables
from procurement.exceptions import InvalidTransition
from procurement.references import next_reference
from procurement.services import model_update
from procurement.statemachine import ensure_transition

TEAM_PERMISSIONS = ("view_contract", "negotiate_contract")
EDITABLE_TERMS = ("title", "value", "currency", "start_date", "end_date", "renewal", "notice_period_days")
OPENABLE_BIDS = ("awarded",)


def effective_tier(vendor) -> str:
    """The vendor's tier; an untiered vendor gets the strictest (critical) clause set."""
    return vendor.tier or "critical"


def known_risks_text(*, vendor, memo=None) -> str:
    """Markdown list of the memo's residual risks when there is an approved memo, else the vendor's open risks."""
    if memo is not None and hasattr(memo, "residual_risks"):
        risks = list(memo.residual_risks.all())
        source = "residual risks of the approved memo"
    else:
        risks = [r for r in vendor.risks.all() if r.status != "closed"]
        source = "open risks in the vendor's register"
    if not risks:
        return ""
    lines = [f"From the {source}:", ""]
    lines += [f"- {r.title} (residual {r.residual_likelihood}×{r.residual_impact}, owner "
              f"{r.owner.get_full_name() or r.owner.username})" for r in risks]
    return "\n".join(lines)


def _grant(contract: Contract, user, *, actor) -> None:
    for codename in TEAM_PERMISSIONS:
        permission = Permission.objects.get(codename=codename, content_type__app_label="contracts")
        if not ContractUserObjectPermission.objects.filter(content_object=contract, user=user,
                                                           permission=permission).exists():
            row = ContractUserObjectPermission(content_object=contract, user=user, permission=permission)
            save(row, actor=actor, reason=f"Joined the team of {contract.reference}")


def sync_team_grants(contract: Contract, *, actor) -> None:
    """Each team member holds the team permissions on this contract; nobody else does."""
    members = {getattr(contract, name) for name in TEAM_FIELDS if getattr(contract, f"{name}_id")}
    member_ids = {m.pk for m in members}
    for row in ContractUserObjectPermission.objects.filter(content_object=contract).exclude(user_id__in=member_ids):
        row._history_user, row._change_reason = actor, f"Left the team of {contract.reference}"
        row.delete()
    for member in sorted(members, key=lambda u: u.pk):
        _grant(contract, member, actor=actor)


def _check_lead_and_team(contract: Contract) -> None:
    if not contract.negotiation_lead_id:
        raise ValidationError({"negotiation_lead": "A contract always has a negotiation lead."})
    _check_team(contract)


def _check_team(contract: Contract) -> None:
    inactive = [name for name in TEAM_FIELDS
                if getattr(contract, f"{name}_id") and not getattr(contract, name).is_active]
    if inactive:
        raise ValidationError({name: "Choose an active user." for name in inactive})


def seed_clause_positions(contract: Contract, *, actor) -> int:
    """Copy the clauses the vendor's tier requires into the contract's positions, from the playbook version the
    contract is pinned to (issue 21): a later change to the playbook leaves an open contract's clauses alone."""
    from contracts.policy.tables import playbook_for

    tier = effective_tier(contract.vendor)
    created = 0
    existing = set(contract.clauses.values_list("playbook_clause_id", flat=True))
    pinned = playbook_for(contract)
    rows = {c.key: c for c in PlaybookClause.objects.filter(key__in=list(pinned))}
    for key, entry in sorted(pinned.items(), key=lambda item: (item[1]["order"], item[0])):
        clause = rows.get(key)
        if clause is None or not entry["active"] or tier not in (entry["required_tiers"] or []) \
                or clause.pk in existing:
            continue
        position = ClausePosition(contract=contract, playbook_clause=clause, title=entry["title"], required=True,
                                  target=entry["target"], fallback=entry["fallback"], walk_away=entry["walk_away"],
                                  order=entry["order"], owner=contract.negotiation_lead)
        save(position, actor=actor, reason=f"Required by the {tier} tier")
        created += 1
    return created


def _seed_raci(contract: Contract, *, actor) -> None:
    for order, (name, cells) in enumerate(RACI_ACTIVITIES, start=1):
        activity = save(RaciActivity(contract=contract, name=name, order=order), actor=actor,
                        reason="Default RACI activity")
        for party, code in cells.items():
            save(RaciAssignment(activity=activity, party=party, code=code), actor=actor, reason="Default RACI")


def _seed_checklist(contract: Contract, *, actor) -> None:
    for order, (key, label) in enumerate(CHECKLIST, start=1):
        save(ChecklistItem(contract=contract, key=key, label=label, order=order, owner=contract.post_award_manager),
             actor=actor, reason="Default transition checklist item")


@transaction.atomic
def contract_open(*, actor, memo, title: str = "", value: Decimal | None = None,
                  currency: str = "", negotiation_lead=None, legal_counsel=None, post_award_manager=None,
                  security_reviewer=None, business_owner=None, start_date=None, end_date=None,
                  renewal: str = "", notice_period_days: int = 90) -> Contract:
    """Open the contract for an award from its approved decision memo: the memo names the bid (so the vendor and
    the procedure) and the contract value; its residual risks and walk-away points seed the kickoff."""
    require(actor, "create", None)
    if memo is None:
        raise InvalidTransition("A contract is opened only from an approved decision memo; choose the memo.")
    if not getattr(memo, "is_approved", False):
        status = memo.get_status_display().lower() if hasattr(memo, "get_status_display") else "not approved"
        raise InvalidTransition(f"A contract is opened only from an approved decision memo; the memo of "
                                f"{memo.reference} is {status}.")
    bid = memo.recommended_bid
    if bid is None:
        raise InvalidTransition("The approved memo recommends no bid, so there is nothing to contract.")
    if bid.status not in OPENABLE_BIDS:
        raise InvalidTransition(f"The bid of {bid.vendor} is {bid.get_status_display().lower()}; only the awarded "
                                "bid can become a contract.")
    procedure = bid.procedure
    if procedure.pk != memo.procedure_id:
        raise InvalidTransition(f"The memo of {memo.reference} recommends a bid of another procedure; nothing to "
                                "contract.")
    if Contract.objects.filter(bid=bid).exclude(status=Contract.Status.CLOSED).exists():
        raise InvalidTransition(f"A contract is already open for {bid.vendor} on {procedure.reference}.")
    if value is None:
        value = memo.contract_value
    contract = Contract(
        title=(title or "").strip() or f"{bid.vendor} — {procedure.title}"[:200],
        vendor=bid.vendor, procedure=procedure, bid=bid, memo=memo, value=value,
        currency=(currency or procedure.currency or "EUR").upper(),
        negotiation_lead=negotiation_lead or actor, legal_counsel=legal_counsel,
        post_award_manager=post_award_manager, security_reviewer=security_reviewer,
        business_owner=business_owner or procedure.business_owner, start_date=start_date, end_date=end_date,
        renewal=renewal, notice_period_days=notice_period_days, created_by=actor,
        reference="CT-pending",
        # what is in flight keeps the policy versions it started with (issue 21)
        policy_versions=policy_tables.pin(CONTRACT_TABLES),
    )
    contract.full_clean(exclude=["reference"])
    _check_team(contract)
    contract.reference = next_reference("CT", actor=actor)
    save(contract, actor=actor, reason=f"Opened from the approved memo of {procedure.reference}")
    sync_team_grants(contract, actor=actor)
    kickoff = Kickoff(contract=contract, known_risks=known_risks_text(vendor=bid.vendor, memo=memo),
                      walk_away_conditions=memo.walk_away or "", goals=memo.negotiation_objectives or "")
    save(kickoff, actor=actor, reason="Kickoff prepared")
    seed_clause_positions(contract, actor=actor)
    _seed_raci(contract, actor=actor)
    _seed_checklist(contract, actor=actor)
    return contract


@transaction.atomic
def contract_update(*, actor, contract: Contract, reason: str = "Contract terms edited", **changes) -> Contract:
    """Edit the terms and the team (team changes re-issue the object permissions)."""
    unknown = set(changes) - set(EDITABLE_TERMS) - set(TEAM_FIELDS)
    if unknown:
        raise ValueError(f"contract_update cannot change: {', '.join(sorted(unknown))}")
    contract = locked(contract)
    require(actor, "edit", contract)
    if contract.status == Contract.Status.CLOSED:
        raise InvalidTransition(f"{contract.reference} is closed; it can no longer change.")
    team_changed = any(name in changes and changes[name] != getattr(contract, name) for name in TEAM_FIELDS)
    model_update(instance=contract, fields=changes, allowed={*EDITABLE_TERMS, *TEAM_FIELDS}, actor=actor,
                 reason=need(reason), check=_check_lead_and_team)
    if team_changed:
        sync_team_grants(contract, actor=actor)
        if contract.post_award_manager_id:
            for item in contract.checklist.filter(owner__isnull=True):
                item.owner = contract.post_award_manager
                save(item, actor=actor, reason="Owner defaults to the post-award manager")
    return contract


def activation_blockers(contract: Contract) -> list[str]:
    return [f"“{item.label}” is neither done nor waived." for item in contract.checklist.all() if not item.settled]


def signing_blockers(contract: Contract) -> list[str]:
    problems = []
    kickoff = getattr(contract, "kickoff", None)
    if kickoff is None or not kickoff.is_held:
        problems.append("The negotiation kickoff has not been held.")
    problems += [f"Clause “{p.title}” is still escalated." for p in contract.clauses.all()
                 if p.status == ClausePosition.Status.ESCALATED]
    return problems


def _day(day) -> str:
    return f"{day.day} {day:%B %Y}"


def standstill_waived(contract: Contract, *, today=None) -> str:
    """Nothing is signed before the award's standstill period ends (the date on the approved memo), unless a
    standstill waiver is recorded for the procedure. Returns what the history reason names first for such a waiver (""
    when the standstill is over; the waiver's own history keeps its full reason); raises InvalidTransition with the
    date otherwise."""
    from awards.selectors.waivers import waivers_for

    memo = contract.memo
    ends_on = getattr(memo, "standstill_ends_on", None)
    today = today or timezone.localdate()
    if ends_on is None or today > ends_on:
        return ""
    waiver = waivers_for(contract.procedure, "standstill", subject=contract.reference).last()
    if waiver is None:
        raise InvalidTransition(
            f"The standstill period of {contract.procedure.reference} runs until {_day(ends_on)}: the contract "
            f"can be marked signed from {_day(ends_on + timedelta(days=1))}, or earlier only once a standstill "
            "waiver is recorded for the procedure.")
    who = waiver.recorded_by.get_full_name() or waiver.recorded_by.get_username()
    return f"standstill to {ends_on:%d %b %Y} waived by {who} (waiver {waiver.pk}); "


@transaction.atomic
def contract_transition(*, actor, contract: Contract, status: str, reason: str) -> Contract:
    contract = locked(contract)
    require(actor, "edit", contract)
    reason = need(reason)
    ensure_transition(CONTRACT_TRANSITIONS, contract.status, status, labels=dict(Contract.Status.choices),
                      subject=f"Contract {contract.reference}")
    waived = ""
    if status == Contract.Status.SIGNED:
        problems = signing_blockers(contract)
        if problems:
            raise InvalidTransition("The contract cannot be marked signed yet: " + " ".join(problems))
        waived = standstill_waived(contract)
    if status == Contract.Status.ACTIVE:
        from contracts.services.exit import runbook_gaps

        problems = activation_blockers(contract)
        gaps = runbook_gaps(contract)
        if problems:
            raise InvalidTransition("The contract cannot become active until the transition checklist is complete: "
                                    + " ".join(problems + gaps))
        if gaps:
            raise InvalidTransition("The contract cannot become active until its exit runbook is complete (steps "
                                    "with owners, data return, deletion evidence, model and data portability): "
                                    + " ".join(gaps))
    if status == Contract.Status.EXITING or contract.status == Contract.Status.EXITING:
        # Leaving goes through the exit runbook (its steps, the closing check and the vendor's exit).
        from contracts.services.exit import exit_close, exit_start

        call = exit_start if status == Contract.Status.EXITING else exit_close
        return call(actor=actor, contract=contract, reason=reason)
    contract.status = status
    save(contract, actor=actor, reason=f"{contract.get_status_display()}: {waived}{reason}")
    if status == Contract.Status.SIGNED:
        from procurement.webhooks.services import event_publish

        event_publish(event="contract.signed", subject=contract, data={
            "signed_on": timezone.localdate(), "vendor": {"name": contract.vendor.legal_name,
                                                          "api_path": f"/api/v1/vendors/{contract.vendor_id}"}})
    return contract


__all__ = ["activation_blockers", "contract_open", "contract_transition", "contract_update", "effective_tier",
           "ensure_editable", "signing_blockers", "standstill_waived", "sync_team_grants"]


@transaction.atomic
def playbook_seed(*, actor=None) -> int:
    """Create the playbook clauses that are missing (the data migration does this once; tests that flush the
    database and the demo call it again). Existing clauses, possibly edited in the admin, are left alone."""
    from contracts.playbook import PLAYBOOK

    created = 0
    for order, entry in enumerate(PLAYBOOK, start=1):
        if not PlaybookClause.objects.filter(key=entry["key"]).exists():
            save(PlaybookClause(order=order, **entry), actor=actor, reason="Playbook seeded")
            created += 1
    return created
