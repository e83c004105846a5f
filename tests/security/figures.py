"""Figures the security, integrity and fault tests add up while they run, printed in pytest's summary.

A test calls `record("bad inputs tried", 1)` (and `record("server errors", 0)`, ...); the counts add up in the
test process and `pytest_terminal_summary` prints one line per figure group, e.g.

    bad inputs tried: 163 — server errors: 0, partial writes: 0

A figure is `name` or `name/detail`: details ("bad inputs tried/server errors") print after the main count of
their group. Registered in tests/conftest.py through `pytest_plugins`, so every leg prints what it measured.
"""

from __future__ import annotations

from collections import defaultdict

import pytest

_FIGURES: dict[str, int] = defaultdict(int)
_ORDER: list[str] = []


def record(name: str, count: int = 1) -> None:
    """Add `count` to the figure `name` ("group" or "group/detail"); a zero still makes the figure appear."""
    if count < 0:
        raise ValueError("Figures only add up.")
    if name not in _FIGURES:
        _ORDER.append(name)
    _FIGURES[name] += count


def figures() -> dict[str, int]:
    """A copy of what has been recorded so far, in the order first recorded."""
    return {name: _FIGURES[name] for name in _ORDER}


def summary_lines() -> list[str]:
    groups: dict[str, int | None] = {}
    details: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for name in _ORDER:
        group, _, detail = name.partition("/")
        if detail:
            groups.setdefault(group, None)
            details[group].append((detail, _FIGURES[name]))
        else:
            groups[group] = _FIGURES[name]
    lines = []
    for group, count in groups.items():
        head = f"{group}: {count if count is not None else 0}"
        extra = ", ".join(f"{detail}: {value}" for detail, value in details[group])
        lines.append(f"{head} — {extra}" if extra else head)
    return lines


def reset() -> None:
    _FIGURES.clear()
    _ORDER.clear()


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    lines = summary_lines()
    if not lines:
        return
    terminalreporter.write_sep("=", "Baton figures")
    for line in lines:
        terminalreporter.write_line(line)


# Under pytest-xdist each worker process counts its own tests: it hands its figures to the controller when it
# finishes, and the controller adds them up before printing the summary.
def pytest_sessionfinish(session, exitstatus):
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["baton_figures"] = [(name, _FIGURES[name]) for name in _ORDER]


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    for name, count in getattr(node, "workeroutput", {}).get("baton_figures", []):
        record(name, count)
