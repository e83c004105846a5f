"""Scenario attributes for the policy index and the awards and vendors policy pages (issue 21)."""

from functools import cached_property  # noqa: F401


class PolicyAwardsVendorsScenario:
    pass
