"""Document kinds of the contracts app (ContractsConfig.contributions names this module)."""

from contracts.handoff import HANDOFF_PACK  # noqa: F401
from contracts.portfolio_documents import PORTFOLIO_REPORT  # noqa: F401, E402  (issue 21: the portfolio report)
