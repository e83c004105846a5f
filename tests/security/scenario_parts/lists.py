"""Scenario attributes for the lists and the portfolio (issue 21)."""

from functools import cached_property  # noqa: F401


class ListsScenario:
    pass
