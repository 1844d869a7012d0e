"""Every xlsx the portal writes goes through here, so that text people typed (a name,
a leave reason, an inspection note, a roster cell) can never become a live formula
in the office's Excel: a value that a spreadsheet would read as a formula (=, +, -,
@, or a leading tab or carriage return) is written as text with a leading '.
"""
from collections.abc import Iterable

from openpyxl.worksheet.worksheet import Worksheet

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def safe(value):
    """The value as a spreadsheet cell may hold it: text never a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def unsafe(value):
    """What a cell written by `safe` stood for: an export read back (a roster) gets its
    text as it was, not with the ' that kept it from being a formula."""
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def append(sheet: Worksheet, values: Iterable) -> None:
    """Add a row, every text value made safe."""
    sheet.append([safe(value) for value in values])
