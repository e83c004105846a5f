"""Shared spreadsheet safety: a cell a spreadsheet program would run as a formula is written as text."""

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")


def neutralise(value):
    """Prefix text that starts like a formula with an apostrophe, so spreadsheet programs show it as text."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value
