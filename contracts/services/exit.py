"""The exit runbook: written before the contract goes live (steps with owners and their timing, the data-return
method, the deletion evidence expected, model and data portability); activation is refused until it is complete.
Starting the exit moves the contract active → exiting and dates the runbook's own steps; closing needs every
step done or waived with a reason, and the vendor becomes exited when none of its other contracts is open.

"Open" (any status but closed) and "the vendor's last open contract" are defined here once: the vendors app
reads them through its hook (the hook "vendors.contracts", filled in ContractsConfig.contributions)."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet

from contracts.models import Contract, ExitRunbook, ExitStep
from contracts.services._common import ensure_open, locked, need, require, save, today
from contracts.transitions import CONTRACT_TRANSITIONS
from procurement.exceptions import InvalidTransition
from procurement.statemachine import ensure_transition
from vendors.engagements import VendorContract

# (key, label, default owner seat, days after the start of the exit)
EXIT_STEPS = [
    ("notice", "Give the vendor formal notice of termination or non-renewal", "negotiation_lead", 0),
    ("data-return", "Get all our data back in open formats and check it is complete", "post_award_manager", 30),
    ("certified-deletion", "Obtain the vendor's certificate that our data and derived data are deleted",
     "security_reviewer", 60),
    ("parallel-run", "Run the successor in parallel until it carries the load", "business_owner", 45),
    ("access-removal", "Remove the vendor's access and our accounts, keys and integrations", "security_reviewer", 60),
    ("knowledge-transfer", "Hand knowledge to the successor or the internal team (prompts, evaluations, runbooks)",
     "post_award_manager", 45),
]
STEP_FIELDS = ("label", "owner", "due_date", "note")
# While the runbook may be written: before activation, and while live (to keep owners current); not once the
# exit runs (its steps are then updated one by one) or the contract is closed.
RUNBOOK_WRITABLE = (Contract.Status.NEGOTIATING, Contract.Status.SIGNED, Contract.Status.ACTIVE)
RUNBOOK_TEXT_FIELDS = tuple(name for name, _ in ExitRunbook.PARTS)


def vendor_open_contracts(vendor_id) -> QuerySet[Contract]:
    """The vendor's contracts that are not closed."""
    return Contract.objects.filter(vendor_id=vendor_id).exclude(status=Contract.Status.CLOSED)


def vendor_contracts(vendor) -> list[VendorContract]:
    """The vendors app's hook ("vendors.contracts", see vendors.engagements): every contract of the vendor as facts.
    Its team, for the vendor's exit, is the people who close a contract: the negotiation lead and the
    post-award manager."""
    rows = (Contract.objects.filter(vendor=vendor).select_related("post_award_manager")
            .order_by("reference", "pk"))
    return [VendorContract(reference=c.reference, is_open=c.status != Contract.Status.CLOSED,
                           team=frozenset(pk for pk in (c.negotiation_lead_id, c.post_award_manager_id) if pk),
                           post_award_manager=c.post_award_manager) for c in rows]


def runbook_gaps(contract: Contract) -> list[str]:
    """What the exit runbook still lacks, each as a sentence ([] when complete): the runbook itself, each written
    part, at least one step, and an active owner for every step."""
    runbook = ExitRunbook.objects.filter(contract=contract).first()
    if runbook is None:
        return ["The exit runbook has not been written."]
    gaps = [f"The exit runbook does not say {what}." for name, what in ExitRunbook.PARTS
            if not getattr(runbook, name).strip()]
    steps = list(contract.exit_steps.select_related("owner"))
    if not steps:
        gaps.append("The exit runbook has no steps.")
    for step in steps:
        if step.owner is None:
            gaps.append(f"Exit step “{step.label}” has no owner.")
        elif not step.owner.is_active:
            gaps.append(f"The owner of exit step “{step.label}” is no longer active.")
        if step.days_after_start is None and step.due_date is None:
            gaps.append(f"Exit step “{step.label}” has no timing.")
    return gaps


def runbook_steps(contract: Contract) -> list[tuple[str, str, int]]:
    """(key, label, default days after the start) of the steps the runbook form asks an owner for."""
    return [(key, label, days) for key, label, _seat, days in EXIT_STEPS]


@transaction.atomic
def exit_runbook_write(*, actor, contract: Contract, data_return_method: str, deletion_evidence: str,
                       model_portability: str, data_portability: str, step_owners: dict, step_days: dict | None = None,
                       reason: str = "Exit runbook written") -> ExitRunbook:
    """Write (or rewrite) the contract's exit runbook before it goes live. Every part is required and every step
    needs an active owner; a refusal writes nothing. `step_owners` / `step_days` are keyed by step key."""
    contract = locked(contract)
    require(actor, "manage", contract)
    if contract.status not in RUNBOOK_WRITABLE:
        raise InvalidTransition(
            f"{contract.reference} is {contract.get_status_display().lower()}: the exit runbook is written before "
            "the exit starts; during the exit, update its steps one by one.")
    texts = {"data_return_method": data_return_method, "deletion_evidence": deletion_evidence,
             "model_portability": model_portability, "data_portability": data_portability}
    errors = {name: f"Say {what}." for name, what in ExitRunbook.PARTS if not (texts[name] or "").strip()}
    step_days = step_days or {}
    for key, label, _seat, _days in EXIT_STEPS:
        owner = step_owners.get(key)
        if owner is None:
            errors[f"owner_{key}"] = f"Name who owns “{label}”."
        elif not owner.is_active:
            errors[f"owner_{key}"] = "Choose an active user."
        days = step_days.get(key)
        if days is not None and (not isinstance(days, int) or days < 0 or days > 730):
            errors[f"days_{key}"] = "Give a number of days between 0 and 730."
    if errors:
        raise ValidationError(errors)
    runbook = ExitRunbook.objects.select_for_update().filter(contract=contract).first()
    first = runbook is None
    runbook = runbook or ExitRunbook(contract=contract)
    for name in RUNBOOK_TEXT_FIELDS:
        setattr(runbook, name, texts[name].strip())
    runbook.written_by = actor
    save(runbook, actor=actor, reason=need(reason))
    existing = {step.key: step for step in contract.exit_steps.select_for_update()}
    for order, (key, label, _seat, default_days) in enumerate(EXIT_STEPS, start=1):
        owner = step_owners[key]
        days = step_days.get(key)
        days = default_days if days is None else days
        step = existing.get(key)
        if step is None:
            save(ExitStep(contract=contract, key=key, label=label, owner=owner, days_after_start=days, order=order),
                 actor=actor, reason="Exit runbook step planned")
        elif (step.owner_id, step.days_after_start) != (owner.pk, days):
            step.owner, step.days_after_start = owner, days
            save(step, actor=actor, reason="Exit runbook step replanned" if not first else "Exit runbook step planned")
    return runbook


def exit_blockers(contract: Contract) -> list[str]:
    steps = list(contract.exit_steps.all())
    if not steps:
        return ["The exit runbook has not been started."]
    return [f"“{s.label}” is neither done nor waived." for s in steps if not s.settled]


def seed_exit_steps(contract: Contract, *, actor, start: date) -> None:
    existing = set(contract.exit_steps.values_list("key", flat=True))
    for order, (key, label, seat, days) in enumerate(EXIT_STEPS, start=1):
        if key in existing:
            continue
        owner = getattr(contract, seat) or contract.post_award_manager or contract.negotiation_lead
        save(ExitStep(contract=contract, key=key, label=label, owner=owner, due_date=start + timedelta(days=days),
                      order=order), actor=actor, reason="Exit runbook step")


@transaction.atomic
def exit_start(*, actor, contract: Contract, reason: str) -> Contract:
    contract = locked(contract)
    require(actor, "manage", contract)
    reason = need(reason)
    ensure_transition(CONTRACT_TRANSITIONS, contract.status, Contract.Status.EXITING,
                      labels=dict(Contract.Status.choices), subject=f"Contract {contract.reference}")
    gaps = runbook_gaps(contract)
    if gaps:
        raise InvalidTransition("The exit cannot start until the exit runbook is complete (write it on the "
                                "contract's exit runbook page): " + " ".join(gaps))
    start = today()
    for step in contract.exit_steps.select_for_update():
        if step.due_date is None and step.days_after_start is not None:
            step.due_date = start + timedelta(days=step.days_after_start)
            save(step, actor=actor, reason=f"Exit started: due {step.days_after_start} days after the start")
    contract.status = Contract.Status.EXITING
    return save(contract, actor=actor, reason=f"Exiting: {reason}")


def _step(step: ExitStep) -> ExitStep:
    step = ExitStep.objects.select_for_update(of=("self",)).select_related("contract").get(pk=step.pk)
    ensure_open(step.contract)
    return step


@transaction.atomic
def exit_step_update(*, actor, step: ExitStep, done_on: date | None = None, reason: str = "Exit step updated",
                     **changes) -> ExitStep:
    unknown = set(changes) - set(STEP_FIELDS)
    if unknown:
        raise ValueError(f"exit_step_update cannot change: {', '.join(sorted(unknown))}")
    step = _step(step)
    require(actor, "manage", step.contract)
    for name, value in changes.items():
        setattr(step, name, value)
    if done_on is not None:
        if done_on > today():
            raise ValidationError({"done_on": "A step cannot be done in the future."})
        step.done_on = done_on
        reason = f"Done: {step.label}"
    return save(step, actor=actor, reason=need(reason))


@transaction.atomic
def exit_step_waive(*, actor, step: ExitStep, reason: str) -> ExitStep:
    step = _step(step)
    require(actor, "manage", step.contract)
    step.waived_reason = need(reason, message="Say why this step is not needed.")
    return save(step, actor=actor, reason=f"Waived: {step.waived_reason}")


def _vendor_exit_if_last(contract: Contract, *, actor) -> bool:
    from vendors.services import vendor_mark_exited

    if vendor_open_contracts(contract.vendor_id).exclude(pk=contract.pk).exists():
        return False
    vendor_mark_exited(vendor=contract.vendor, actor=actor,
                       reason=f"Last contract {contract.reference} closed after its exit runbook")
    return True


@transaction.atomic
def exit_close(*, actor, contract: Contract, reason: str) -> Contract:
    contract = locked(contract)
    require(actor, "manage", contract)
    reason = need(reason)
    ensure_transition(CONTRACT_TRANSITIONS, contract.status, Contract.Status.CLOSED,
                      labels=dict(Contract.Status.choices), subject=f"Contract {contract.reference}")
    exiting = contract.status == Contract.Status.EXITING
    if exiting:
        problems = exit_blockers(contract)
        if problems:
            raise InvalidTransition("The contract cannot close until the exit runbook is complete: "
                                    + " ".join(problems))
    contract.status = Contract.Status.CLOSED
    save(contract, actor=actor, reason=f"Closed: {reason}")
    if exiting:  # a contract abandoned before signature does not end the vendor relationship
        _vendor_exit_if_last(contract, actor=actor)
    return contract
