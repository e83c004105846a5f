"""Scenario attributes for the scorecard builder's pages (awards/views/builder.py) (issue 21).

The builder's URLs need only what the main Scenario already builds: procedure A (`procedure`, with its
scorecard), its first bid (`bid`) and a POV criterion on it (`pov_criterion`)."""

from functools import cached_property  # noqa: F401


class BuilderScenario:
    pass
