"""Scenario attributes for the set-up pages (awards/views/setup.py) (issue 21)."""

from functools import cached_property  # noqa: F401


class SetupScenario:
    pass
