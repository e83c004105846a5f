"""Scenario attributes for people and places (preferences, time zones) (issue 21)."""

from functools import cached_property  # noqa: F401


class PeopleScenario:
    pass
