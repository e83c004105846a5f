"""Document kinds of the contracts app (imported at start-up by procurement.documents.apps.KIND_MODULES)."""

from contracts.handoff import HANDOFF_PACK  # noqa: F401
