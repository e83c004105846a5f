"""What must be true before a procedure may enter a stage — a registry other capabilities add to.

A check is a function `check(procedure) -> list[str]` returning human-readable missing items (empty when
satisfied). Register it for the stage it guards:

    from awards.prerequisites import register
    from awards.models.procedure import Stage

    @register(Stage.EVALUATION)
    def criteria_complete(procedure) -> list[str]:
        return [] if ... else ["The scorecard's weights do not add up to 100."]

`procedure_advance` (awards.services) runs every check for the target stage and refuses with all the missing
items; the procedure page lists them under "What blocks the next stage". Checks must run a bounded number
of queries (never one per bid) because the page runs them on every view. Modules that register checks must
be imported at start-up: `awards.apps.AwardsConfig.ready` imports `awards.checks` and every module named in
`PREREQUISITE_MODULES` below (add yours there, or import it from awards.checks).
"""

from collections.abc import Callable
from dataclasses import dataclass

Check = Callable[[object], list[str]]

_REGISTRY: dict[str, list[Check]] = {}

# Modules that register prerequisite checks; imported by AwardsConfig.ready().
PREREQUISITE_MODULES: list[str] = ["awards.checks", "awards.scorecard_checks"]


def register(target_stage: str) -> Callable[[Check], Check]:
    def decorator(check: Check) -> Check:
        checks = _REGISTRY.setdefault(str(target_stage), [])
        if check not in checks:
            checks.append(check)
        return check

    return decorator


def unregister(target_stage: str, check: Check) -> None:
    """For tests that register a temporary check."""
    checks = _REGISTRY.get(str(target_stage), [])
    if check in checks:
        checks.remove(check)


def checks_for(target_stage: str) -> tuple[Check, ...]:
    return tuple(_REGISTRY.get(str(target_stage), ()))


@dataclass(frozen=True)
class Readiness:
    target: str
    missing: tuple[str, ...]

    @property
    def ready(self) -> bool:
        return not self.missing


def missing_for(procedure, target_stage: str) -> Readiness:
    missing: list[str] = []
    for check in checks_for(target_stage):
        missing.extend(check(procedure))
    return Readiness(target=str(target_stage), missing=tuple(missing))
