"""Scenario attributes for templates and cloning (awards/views/templates.py) (issue 21)."""

from functools import cached_property  # noqa: F401


class TemplatesScenario:
    pass
