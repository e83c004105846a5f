"""Scenario attributes for the scorecard builder's pages (awards/views/builder.py) (issue 21)."""

from functools import cached_property  # noqa: F401


class BuilderScenario:
    pass
