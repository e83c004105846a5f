"""RACI rules without the ORM: a grid is {activity name: {party: letter}}."""

from collections.abc import Mapping

VALID_CODES = frozenset("RACI")


def row_problems(name: str, cells: Mapping[str, str]) -> list[str]:
    codes = [code for code in cells.values() if code]
    problems = []
    bad = sorted({code for code in codes if code not in VALID_CODES})
    if bad:
        problems.append(f"“{name}”: unknown letter(s) {', '.join(bad)} (use R, A, C or I).")
    accountable = codes.count("A")
    if accountable == 0:
        problems.append(f"“{name}” needs exactly one Accountable (A); it has none.")
    elif accountable > 1:
        problems.append(f"“{name}” needs exactly one Accountable (A); it has {accountable}.")
    return problems


def grid_problems(grid: Mapping[str, Mapping[str, str]]) -> list[str]:
    problems: list[str] = []
    for name, cells in grid.items():
        problems += row_problems(name, cells)
    return problems
