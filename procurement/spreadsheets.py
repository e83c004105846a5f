"""Shared spreadsheet safety: a cell a spreadsheet program would run as a formula is written as text."""

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")


def neutralise(value):
    """Prefix text that starts like a formula with an apostrophe, so spreadsheet programs show it as text."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def as_is(value):
    """Leave a value unchanged (with `text_cells=True`, which keeps formula-like text as text instead)."""
    return value


def looks_like_formula(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_PREFIXES)


def workbook_bytes(tables: dict[str, list[list]], *, cell=neutralise, width: int = 18,
                   header_row: bool = False, widths: dict[str, int] | None = None, text_cells: bool = False) -> bytes:
    """An XLSX file with one sheet per table (name -> rows), every cell passed through `cell` (formula-safe by
    default). `header_row`: the first row is bold and stays in view; `widths`: a sheet's single column width.

    `text_cells`: text that looks like a formula is stored as a text cell (string type, quote-prefixed style)
    with its value unchanged, so a spreadsheet program neither runs it nor shows an added apostrophe; pass
    `cell=as_is` with it to keep the value exactly as given."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, rows in tables.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append([cell(value) for value in row])
            if text_cells:
                for written in sheet[sheet.max_row]:
                    if looks_like_formula(written.value):
                        written.data_type = "s"
                        written.quotePrefix = True
        if header_row and rows:
            for first in sheet[1]:
                first.font = Font(bold=True)
        if widths and name in widths:
            sheet.column_dimensions["A"].width = widths[name]
            continue
        if header_row and rows:
            sheet.freeze_panes = "A2"
        for index in range(1, max((len(r) for r in rows), default=0) + 1):
            sheet.column_dimensions[get_column_letter(index)].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
