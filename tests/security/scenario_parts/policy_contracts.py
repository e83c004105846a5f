"""Scenario attributes for the contracts policy pages and contract corrections (issue 21)."""

from functools import cached_property  # noqa: F401


class PolicyContractsScenario:
    pass
