"""State machines as data: each app's transitions.py holds {state: {allowed next states}}."""

from collections.abc import Mapping

from procurement.exceptions import InvalidTransition


def ensure_transition(
    machine: Mapping[str, set[str] | frozenset[str]],
    current: str,
    target: str,
    *,
    labels: Mapping[str, str] | None = None,
    subject: str = "This record",
) -> None:
    """Raise InvalidTransition with a readable message unless `current -> target` is allowed."""
    allowed = machine.get(current, frozenset())
    if target in allowed:
        return
    label = (labels or {}).get
    now, wanted = label(current, current), label(target, target)
    if allowed:
        options = ", ".join(sorted(label(state, state) for state in allowed))
        raise InvalidTransition(
            f"{subject} is {now} and cannot move to {wanted}; from {now} it can move to: {options}."
        )
    raise InvalidTransition(f"{subject} is {now}, which is final; it cannot move to {wanted}.")


def validate_machine(machine: Mapping[str, set[str] | frozenset[str]], states) -> None:
    """Fail loudly at import/test time when a machine names a state that does not exist."""
    known = set(states)
    for source, targets in machine.items():
        unknown = ({source} | set(targets)) - known
        if unknown:
            raise ValueError(f"State machine names unknown states: {sorted(unknown)}")
