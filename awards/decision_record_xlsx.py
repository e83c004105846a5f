"""The decision record as a workbook for people (issue 17): a README sheet that states the formula in words, then
one sheet per table of the record built by ``awards.selectors.decision_record.decision_record``.

    decision_record_tables(record) -> {sheet name: rows}   (the first row of each table is its header)
    decision_record_xlsx(record) -> bytes

Column headers are the JSON keys of the same record, so the workbook and the JSON read alike. Every text cell
goes through ``procurement.spreadsheets.neutralise`` (no cell runs as a formula). Sections an evaluator's copy
does not hold (null in the JSON) have no sheet.
"""

from __future__ import annotations

import json

from procurement.spreadsheets import neutralise, workbook_bytes

__all__ = ["decision_record_tables", "decision_record_xlsx"]

EXCEL_TEXT_LIMIT = 32767


def _cell(value):
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, str):
        if len(value) > EXCEL_TEXT_LIMIT:
            value = value[: EXCEL_TEXT_LIMIT - 40] + " [cut here; the JSON record has it all]"
        return neutralise(value)
    return value


def _table(rows: list[dict], columns: list[str]) -> list[list]:
    return [list(columns)] + [[row.get(column) for column in columns] for row in rows]


def _pairs(mapping: dict) -> list[list]:
    return [["field", "value"]] + [[key, value] for key, value in mapping.items()]


def _who(person: dict | None, prefix: str) -> dict:
    return {f"{prefix}_id": person["id"] if person else None, f"{prefix}_name": person["name"] if person else None}


def decision_record_tables(record: dict) -> dict[str, list[list]]:
    procedure = record["procedure"]
    about = {
        "schema_version": record["schema_version"], "scope": record["scope"],
        "generated_at": record["generated_at"],
        "generated_for": record["generated_for"]["name"] if record["generated_for"] else None,
        **{k: v for k, v in procedure.items() if k not in ("lead", "business_owner")},
        **_who(procedure["lead"], "lead"), **_who(procedure["business_owner"], "business_owner"),
        "scale": record["scale"],
        "weight_problems": "; ".join(record["weight_problems"]),
    }
    tables: dict[str, list[list]] = {
        "README": [["Decision record: how to read it and recompute it"]] + [[line] for line in record["readme"]],
        "Procedure": _pairs(about),
        "Groups": _table(record["groups"], ["order", "key", "name", "weight"]),
        "Criteria": _table(record["criteria"], ["order", "key", "name", "group", "share", "weight", "description"]),
        "Knockouts": _table(record["knockouts"], ["key", "name", "kind", "description"]),
        "Bids": _table(record["bids"], ["key", "label", "vendor", "status", "status_reason", "submitted_at",
                                        "late_decision"]),
        "Evaluators": _table(record["evaluators"], ["id", "name", "assigned", "criterion_groups",
                                                    "sheet_submitted_at", "unassigned_at", "unassigned_by",
                                                    "unassign_reason"]),
        "Scores": _table(record["scores"], ["evaluator", "bid", "criterion", "value", "rationale", "submitted_at",
                                            "last_changed_at", "declaration_review", "counts"]),
        "Declarations": _table(record["declarations"], [
            "evaluator", "bid", "has_conflict", "description", "review", "review_label", "review_reason",
            "reviewed_by", "reviewed_at", "declared_at", "counts", "supersedes"]),
        # Earlier versions of revised declarations (issue 21): kept for the record, never counted.
        "Superseded declarations": _table(record["superseded_declarations"], [
            "id", "evaluator", "bid", "has_conflict", "description", "review", "review_label", "review_reason",
            "declared_at", "superseded_at", "supersedes", "counts"]),
    }
    if record["consensus"] is not None:
        tables["Consensus"] = _table(record["consensus"], ["bid", "criterion", "score", "note", "recorded_by",
                                                           "recorded_at"])
    if record["knockout_decisions"] is not None:
        tables["Knockout decisions"] = _table(record["knockout_decisions"], [
            "knockout", "bid", "passed", "proposed", "proposal_basis", "reason", "decided_by", "decided_at"])
    if record["ranking"] is not None:
        tables["Ranking"] = _table(record["ranking"], ["rank", "bid", "label", "total", "total_display",
                                                       "provisional", "tie_break"])
        tables["Excluded"] = _table(record["excluded"], ["bid", "label", "reason"])
        tables["Provisional"] = [["reason"]] + [[reason] for reason in record["provisional_reasons"]]
    memo = record["memo"]
    if memo is not None:
        tables["Memo"] = _pairs({
            **{k: v for k, v in memo.items() if k not in ("author", "versions", "routes")},
            **_who(memo["author"], "author")})
        tables["Memo versions"] = _table(
            [{**v, **_who(v["submitted_by"], "submitted_by")} for v in memo["versions"]],
            ["number", "submitted_at", "submitted_by_id", "submitted_by_name", "content_hash"])
        tables["Memo snapshot"] = _snapshot_rows(memo["versions"])
        tables["Approval routes"] = _table(memo["routes"], ["version", "rule", "explanation", "status",
                                                            "opened_at", "closed_at"])
    if record["signoffs"] is not None:
        tables["Sign-offs"] = _table(
            [{**s, **_who(s["signer"], "signer")} for s in record["signoffs"]],
            ["signer_id", "signer_name", "committee", "quorum", "memo_version", "decision", "comment", "signed_at",
             "content_hash", "hash_matches_version"])
    price = record.get("price")
    if price is not None:  # schema 2 (issue 20): amounts stay decimal strings, as in the JSON
        tables["Price"] = _pairs({k: v for k, v in price.items() if k not in ("assumptions", "bids", "problems")}
                                 | {"problems": "; ".join(price["problems"])})
        tables["Volume assumptions"] = _table(price["assumptions"], ["key", "label", "unit", "monthly_volume"])
        tables["Price lines"] = _table(
            [{"bid": b["bid"], "currency": b["currency"], **line} for b in price["bids"] for line in b["lines"]],
            ["bid", "currency", "kind", "label", "amount", "period", "assumption", "monthly_volume"])
        tables["Price totals"] = _table(
            [{**b, "rate_currency": (b["rate"] or {}).get("currency"), "rate": (b["rate"] or {}).get("rate"),
              "rate_valid_from": (b["rate"] or {}).get("valid_from")} for b in price["bids"]],
            ["bid", "currency", "term_months", "total", "rate_currency", "rate", "rate_valid_from", "base_total",
             "counted", "score", "problem"])
    return tables


def _snapshot_rows(versions: list[dict]) -> list[list]:
    """The frozen scoring summary of each memo version, flattened: its ranking, exclusions, weights and verdict."""
    rows = [["version", "section", "bid", "label", "rank", "total", "detail"]]
    for version in versions:
        snap = version["scoring_snapshot"] or {}
        number = version["number"]
        if not snap.get("complete"):
            rows += [[number, "problem", None, None, None, None, p] for p in snap.get("problems", [])]
            continue
        rows += [[number, "ranking", r.get("bid"), r.get("label"), r.get("rank"), r.get("total"), r.get("tie_break")]
                 for r in snap.get("ranking", [])]
        rows += [[number, "excluded", r.get("bid"), r.get("label"), None, None, r.get("reason")]
                 for r in snap.get("excluded", [])]
        rows += [[number, "criterion weight", None, c.get("label"), None, c.get("weight"), c.get("key")]
                 for c in snap.get("criteria", [])]
        rows += [[number, "provisional", None, None, None, None, reason]
                 for reason in snap.get("provisional_reasons", [])]
        if snap.get("verdict"):
            rows.append([number, "verdict", None, None, None, None, snap["verdict"]])
    return rows


def decision_record_xlsx(record: dict) -> bytes:
    return workbook_bytes(decision_record_tables(record), cell=_cell, width=20, header_row=True,
                          widths={"README": 140})
