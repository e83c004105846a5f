"""Document kinds of the contracts app (ContractsConfig.contributions names this module)."""

from contracts.handoff import HANDOFF_PACK  # noqa: F401
