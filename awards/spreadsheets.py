"""Spreadsheets of the scorecard: results export (XLSX and CSV) and an evaluator's scoring sheet, out and back in.

Formula injection: every text cell that starts with = + - @, a tab or a carriage return gets a leading
apostrophe, so Excel, LibreOffice and Sheets show it as text instead of running it.

Import: ``sheet_parse`` checks every row (bid, criterion, the weight that must not have been edited, the score
on the scale, the rationale at the extremes) and returns a preview or the list of errors, each naming the row
and the column; ``sheet_apply`` then saves all rows in one transaction through the scoring service — one bad
row and nothing is saved.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter

from awards import scoring
from awards.results import ProcedureResults, effective_weights
from awards.services.scoring_scores import parse_score, rationale_problem
from procurement.spreadsheets import neutralise, workbook_bytes

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
SHEET_HEADER = ["Bid ID", "Bid", "Criterion key", "Criterion", "Weight", "Score", "Rationale"]


safe = neutralise  # a cell value that no spreadsheet will evaluate as a formula (kernel rule)


def _num(value, places: int = 2):
    return None if value is None else round(float(value), places)


# --- results ------------------------------------------------------------------------------------------------


def results_tables(data: ProcedureResults) -> dict[str, list[list]]:
    """The results as plain tables (sheet name -> rows, the first row is the header)."""
    r = data.result
    if r is None:
        return {"Problems": [["Problem"]] + [[p] for p in data.problems]}
    criteria = r.criteria
    ordered = list(r.ranking) + list(r.excluded)
    mc = data.monte_carlo
    ranking = [["Rank", "Bid", "Weighted total", "Chance of ranking first", "Excluded because", "Tie-break",
                "Provisional"]]
    for b in ordered:
        ranking.append([b.rank, b.label, _num(b.total), None if b.excluded or mc is None else _num(
            mc.probability_of(b.key), 4), b.exclusion_reason or "", b.tie_break.explanation if b.tie_break else "",
            "yes" if b.provisional else ""])
    crit = [["Criterion key", "Criterion", "Group", "Weight"] + [b.label for b in ordered]]
    for c in criteria:
        crit.append([c.key, c.label, c.group, float(c.weight)] + [_num(b.scores.get(c.key), 3) for b in ordered])
    groups = [["Group"] + [b.label for b in ordered]]
    means = {b.key: dict(data.group_means(b.key)) for b in ordered}
    for g in data.groups:
        groups.append([g.name] + [_num(means[b.key].get(g.name), 3) for b in ordered])
    labels = {b.key: b.label for b in ordered}
    names = {c.key: c.label for c in criteria}
    spreads = [["Bid", "Criterion", "Evaluators", "Mean", "Min", "Max", "Range", "Std dev", "Flagged", "Consensus"]]
    for s in r.spreads:
        spreads.append([labels[s.bid], names[s.criterion], s.count, _num(s.mean, 3), s.minimum, s.maximum, s.range,
                        _num(s.std_dev, 3), "yes" if s.flagged else "", "resolved" if s.resolved else ""])
    knockouts = [["Bid"] + [k.name for k in data.knockouts]]
    for bid in data.bids:
        row = [str(bid.vendor)]
        for k in data.knockouts:
            d = data.decisions.get((k.pk, bid.pk))
            row.append("to confirm" if d is None else ("pass" if d.passed else "fail") + (
                f" ({d.reason})" if d.reason else ""))
        knockouts.append(row)
    sensitivity = [["Criterion", "Weight", "Increase that changes the winner", "Decrease that changes the winner",
                    "Verdict"]]
    for item in data.sensitivity:
        sensitivity.append([item.label, _num(item.weight), _num(item.increase), _num(item.decrease), item.message])
    if mc is not None:
        sensitivity.append([])
        sensitivity.append(["Monte Carlo seed", mc.seed, "samples", mc.samples, f"weights varied by ±{mc.spread:.0%}"])
    return {"Ranking": ranking, "Criteria": crit, "Groups": groups, "Spreads": spreads, "Knockouts": knockouts,
            "Sensitivity": sensitivity}


def results_xlsx(data: ProcedureResults) -> bytes:
    return workbook_bytes(results_tables(data), cell=safe)


def results_csv(data: ProcedureResults) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for name, rows in results_tables(data).items():
        writer.writerow([f"# {name}"])
        for row in rows:
            writer.writerow(["" if v is None else safe(v) for v in row])
        writer.writerow([])
    return buffer.getvalue()


# --- the evaluator's sheet ----------------------------------------------------------------------------------


def _weights_of(grid) -> dict[str, Decimal]:
    groups = list(grid.groups.values())
    from awards.models.scorecard import Criterion

    weights, _ = effective_weights(groups, list(Criterion.objects.filter(scorecard=grid.scorecard)))
    return weights


def sheet_xlsx(procedure, grid) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Scores"
    sheet.append(SHEET_HEADER)
    weights = _weights_of(grid)
    for bid in grid.bids:
        for criterion in grid.criteria:
            mine = grid.mine.get((bid.pk, criterion.pk))
            sheet.append([bid.pk, safe(str(bid.vendor)), safe(criterion.key), safe(criterion.name),
                          float(weights.get(criterion.key, 0)), None if mine is None else float(mine.value),
                          safe(mine.rationale) if mine else None])
    for index, width in enumerate((8, 28, 20, 36, 8, 8, 50), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    about = workbook.create_sheet("About")
    about.append(["Procedure", safe(procedure.reference)])
    about.append(["Scale", f"0 to {grid.scorecard.scale}"])
    about.append(["How", "Fill in Score and Rationale only. A rationale is required at 0 and at the top of the "
                         "scale. Do not change the other columns: the import refuses edited weights, unknown bids "
                         "and unknown criteria."])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@dataclass
class SheetPreview:
    rows: list = field(default_factory=list)
    errors: list = field(default_factory=list)

    def serialisable(self) -> list[dict]:
        return [{**r, "value": r["value"]} for r in self.rows]


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text[1:] if text.startswith("'") else text


def sheet_parse(upload, *, procedure, grid) -> SheetPreview:
    """Check every row of an uploaded sheet; each error names the row and the column."""
    preview = SheetPreview()
    if grid.submitted:
        preview.errors.append("Your scores are submitted; ask the lead to reopen your sheet before importing.")
        return preview
    if getattr(upload, "size", 0) > MAX_UPLOAD_BYTES:
        preview.errors.append("The file is larger than 2 MB; upload the sheet you downloaded.")
        return preview
    try:
        workbook = load_workbook(upload, read_only=True, data_only=True)
        sheet = workbook["Scores"] if "Scores" in workbook.sheetnames else workbook.worksheets[0]
        rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    except Exception:  # noqa: BLE001 — any unreadable upload gets the same plain answer
        preview.errors.append("The file is not a readable XLSX workbook; upload the sheet you downloaded.")
        return preview
    if not rows or [_text(v) for v in rows[0][:len(SHEET_HEADER)]] != SHEET_HEADER:
        preview.errors.append("Row 1: the header must be " + ", ".join(SHEET_HEADER) + " (the sheet you downloaded).")
        return preview
    bids = {str(b.pk): b for b in grid.bids}
    criteria = {c.key: c for c in grid.criteria}
    weights = _weights_of(grid)
    scale = grid.scorecard.scale
    seen: set[tuple[str, str]] = set()

    def error(row: int, column: int, message: str) -> None:
        letter = get_column_letter(column)
        preview.errors.append(f"Row {row}, column {letter} ({SHEET_HEADER[column - 1]}): {message}")

    for number, raw in enumerate(rows[1:], start=2):
        cells = (raw + [None] * len(SHEET_HEADER))[:len(SHEET_HEADER)]
        if all(v in (None, "") for v in cells):
            continue
        bid_id, _, key, _, weight, value, rationale = (_text(v) for v in cells)
        problems_before = len(preview.errors)
        bid = bids.get(bid_id)
        if bid is None:
            error(number, 1, f"unknown bid “{bid_id}” (not one you may score in {procedure.reference}).")
        criterion = criteria.get(key)
        if criterion is None:
            error(number, 3, f"unknown criterion “{key}” (not one assigned to you).")
        else:
            try:
                sheet_weight = Decimal(weight)
            except (InvalidOperation, ValueError):
                sheet_weight = None
            expected = weights.get(key)
            if sheet_weight is None or expected is None or sheet_weight.quantize(Decimal("0.01")) != expected:
                error(number, 5, f"the weight was edited (sheet: {weight or 'empty'}, scorecard: "
                                 f"{scoring.format_number(expected)}); weights cannot be changed in a sheet.")
        if bid is not None and criterion is not None:
            if (bid_id, key) in seen:
                error(number, 3, "this bid and criterion appear twice.")
            seen.add((bid_id, key))
        parsed = None
        if value != "":
            try:
                parsed = parse_score(value, scale=scale)
            except ValidationError as exc:
                error(number, 6, " ".join(exc.message_dict["value"]))
            else:
                problem = rationale_problem(parsed, rationale, scale)
                if problem:
                    error(number, 7, problem)
        if len(preview.errors) == problems_before and parsed is not None:
            preview.rows.append({"row": number, "bid": bid.pk, "criterion": criterion.pk, "value": str(parsed),
                                 "rationale": rationale, "bid_label": str(bid.vendor),
                                 "criterion_label": criterion.name})
    if not preview.errors and not preview.rows:
        preview.errors.append("The sheet has no scores to import.")
    if preview.errors:
        preview.rows = []
    return preview


def sheet_apply(*, procedure, actor, rows: list[dict]) -> int:
    from awards.services.scoring_import import scoresheet_import

    return scoresheet_import(actor=actor, procedure=procedure, rows=rows)
