"""Server-side SVG charts of a scoring result (issue 5; DESIGN.md convention 7).

The same string goes into the page (``{{ svg|safe }}`` -- every label is escaped here) and into the
WeasyPrint PDF. Each chart is a self-contained ``<svg>`` with explicit ``width``/``height``/``viewBox``:
no scripts, no event handlers, no links or external references, and no ``style`` attributes (the pages run
under ``style-src 'self'``), only SVG presentation attributes. Colour never carries meaning alone: every
heat-map cell prints its number, flags carry a printed marker, and every cell and bar has a ``<title>``.

* :func:`score_heatmap_svg` -- bids (ranked first, then knocked-out ones) x criteria, coloured by score.
* :func:`totals_bar_svg` -- horizontal bars of the weighted totals (0-100) in ranking order, with the
  knocked-out bids listed separately underneath together with the reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from awards.scoring import BidResult, ScoringResult, format_number

__all__ = ["score_colour", "score_heatmap_svg", "totals_bar_svg"]

FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"
INK = "#1f2933"
MUTED = "#5f6b7a"
FLAG = "#b42318"
GRID = "#d5dae1"
BAR = "#3b6ea8"
BAR_WINNER = "#1d4576"
MISSING_FILL = "#ffffff"

# Sequential palette (light to dark blue), interpolated linearly in RGB.
_STOPS = ((0.0, (247, 244, 249)), (0.5, (147, 181, 219)), (1.0, (24, 66, 125)))


def _esc(text: object) -> str:
    return escape(str(text), quote=True)


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def _num(value: float) -> str:
    """Coordinates: at most two decimals, no trailing zeros."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def score_colour(fraction: float) -> tuple[str, str]:
    """(fill, text colour) for a score as a fraction of the scale; the text colour keeps the contrast."""
    fraction = min(1.0, max(0.0, fraction))
    for (x0, c0), (x1, c1) in zip(_STOPS, _STOPS[1:], strict=False):
        if fraction <= x1:
            t = 0 if x1 == x0 else (fraction - x0) / (x1 - x0)
            rgb = tuple(round(a + (b - a) * t) for a, b in zip(c0, c1, strict=True))
            break
    fill = "#{:02x}{:02x}{:02x}".format(*rgb)
    # Black or white: one of them always reaches 4.5:1 (WCAG AA), whatever the fill.
    return fill, ("#ffffff" if _contrast(fill, "#ffffff") > _contrast(fill, "#000000") else "#000000")


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _svg(width: float, height: float, title: str, desc: str, body: list[str]) -> str:
    return "\n".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{_num(width)}" height="{_num(height)}" '
            f'viewBox="0 0 {_num(width)} {_num(height)}" role="img" font-family="{FONT}" font-size="12" '
            f'fill="{INK}">',
            f"<title>{_esc(title)}</title>",
            f"<desc>{_esc(desc)}</desc>",
            f'<rect x="0" y="0" width="{_num(width)}" height="{_num(height)}" fill="#ffffff"/>',
            *body,
            "</svg>",
        ]
    )


def _row_label(bid: BidResult) -> str:
    if bid.excluded:
        return f"\u2715 {bid.label} (knocked out)"
    return f"{bid.rank}. {bid.label}" + (" (provisional)" if bid.provisional else "")


def score_heatmap_svg(
    result: ScoringResult,
    *,
    title: str = "Scores by bid and criterion",
    places: int = 1,
    cell_width: int = 46,
    cell_height: int = 26,
    criteria: Sequence[str] | None = None,
    bids: Sequence[str] | None = None,
) -> str:
    """Heat map of criterion scores: one row per bid (ranking order, then knocked-out bids), one column per
    criterion (scorecard order). Each cell prints its score (``places`` decimals) and has a ``<title>`` with
    the bid, criterion, score, its source (mean of n evaluators / consensus) and the spread. A cell whose
    evaluators differ by the flag threshold without a consensus note gets a red outline *and* a printed
    ``*``; cells without a score show an en dash. ``criteria`` / ``bids`` (keys) restrict the columns / rows,
    e.g. to one criterion group on a large scorecard; their order stays the scorecard's / the ranking's.
    """
    wanted_columns = None if criteria is None else set(criteria)
    wanted_rows = None if bids is None else set(bids)
    criteria = [c for c in result.criteria if wanted_columns is None or c.key in wanted_columns]
    rows = [b for b in (*result.ranking, *result.excluded) if wanted_rows is None or b.key in wanted_rows]
    spreads = {(s.bid, s.criterion): s for s in result.spreads}
    scale_text = format_number(result.scale, 0) if float(result.scale).is_integer() else str(result.scale)

    label_width = 230
    header_height = 120
    top = 34
    left = 10
    grid_x = left + label_width
    grid_y = top + header_height
    width = grid_x + cell_width * max(1, len(criteria)) + 20
    legend_y = grid_y + cell_height * len(rows) + 22
    height = legend_y + 60

    body = [f'<text x="{left}" y="20" font-size="14" font-weight="bold">{_esc(title)}</text>']

    # Column headers, rotated; the full label and weight in the title.
    for j, criterion in enumerate(criteria):
        cx = grid_x + j * cell_width + cell_width / 2
        y = grid_y - 8
        body.append(
            f"<g><title>{_esc(criterion.label)} \u2013 weight {_esc(format_number(criterion.weight))}"
            f"{_esc(' (' + criterion.group + ')') if criterion.group else ''}</title>"
            f'<text x="{_num(cx)}" y="{_num(y)}" transform="rotate(-55 {_num(cx)} {_num(y)})" '
            f'font-size="11">{_esc(_short(criterion.label, 20))}</text></g>'
        )

    for i, bid in enumerate(rows):
        y = grid_y + i * cell_height
        row_fill = MUTED if bid.excluded else INK
        body.append(
            f"<g><title>{_esc(bid.label)}"
            f"{_esc(' \u2013 ' + bid.exclusion_reason) if bid.exclusion_reason else ''}</title>"
            f'<text x="{left}" y="{_num(y + cell_height / 2 + 4)}" fill="{row_fill}">'
            f"{_esc(_short(_row_label(bid), 34))}</text></g>"
        )
        for j, criterion in enumerate(criteria):
            x = grid_x + j * cell_width
            score = bid.scores.get(criterion.key)
            spread = spreads.get((bid.key, criterion.key))
            needs_note = bool(spread and spread.needs_consensus)
            if score is None:
                fill, text_fill, shown = MISSING_FILL, MUTED, "\u2013"
                detail = "no score yet"
            else:
                fill, text_fill = score_colour(score / result.scale)
                shown = format_number(score, places) + ("*" if needs_note else "")
                source = bid.score_sources.get(criterion.key)
                detail = f"{format_number(score, 2)} of {scale_text}"
                if source == "consensus":
                    detail += ", consensus score"
                elif spread:
                    detail += f", mean of {spread.count} evaluator{'s' if spread.count != 1 else ''}"
            if spread and spread.count > 1:
                detail += (
                    f"; evaluators range {format_number(spread.minimum, 2)}\u2013{format_number(spread.maximum, 2)}"
                    f" (std dev {format_number(spread.std_dev, 2)})"
                )
                if spread.flagged:
                    detail += (
                        "; disagreement resolved by a consensus note"
                        if spread.resolved
                        else ("; evaluators disagree \u2013 consensus note needed")
                    )
            stroke = f' stroke="{FLAG}" stroke-width="2"' if needs_note else f' stroke="{GRID}" stroke-width="1"'
            opacity = ' fill-opacity="0.55"' if bid.excluded else ""
            body.append(
                f"<g><title>{_esc(bid.label)} \u2013 {_esc(criterion.label)}: {_esc(detail)}</title>"
                f'<rect x="{_num(x + 1)}" y="{_num(y + 1)}" width="{_num(cell_width - 2)}" '
                f'height="{_num(cell_height - 2)}" fill="{fill}"{opacity}{stroke}/>'
                f'<text x="{_num(x + cell_width / 2)}" y="{_num(y + cell_height / 2 + 4)}" text-anchor="middle" '
                f'font-size="11" fill="{text_fill if not bid.excluded else INK}">{_esc(shown)}</text></g>'
            )

    # Legend: colour ramp with printed values, and the flag marker.
    steps = 6
    box = 34
    body.append(f'<text x="{left}" y="{_num(legend_y + 16)}" font-size="11">Score (0\u2013{_esc(scale_text)})</text>')
    for s in range(steps):
        value = result.scale * s / (steps - 1)
        fill, text_fill = score_colour(s / (steps - 1))
        x = left + 110 + s * box
        body.append(
            f'<rect x="{x}" y="{_num(legend_y + 2)}" width="{box}" height="20" fill="{fill}" stroke="{GRID}"/>'
            f'<text x="{_num(x + box / 2)}" y="{_num(legend_y + 16)}" text-anchor="middle" font-size="10" '
            f'fill="{text_fill}">{_esc(format_number(value, 1))}</text>'
        )
    body.append(
        f'<rect x="{left}" y="{_num(legend_y + 32)}" width="16" height="14" fill="#ffffff" stroke="{FLAG}" '
        f'stroke-width="2"/><text x="{left + 24}" y="{_num(legend_y + 44)}" font-size="11">* evaluators differ by '
        f"{_esc(format_number(result.threshold, 1))} points or more and no consensus note yet</text>"
    )
    desc = (
        f"Heat map of {len(rows)} bids by {len(criteria)} criteria; each cell shows the criterion score on a "
        f"0\u2013{scale_text} scale."
    )
    return _svg(width, height, title, desc, body)


def totals_bar_svg(
    result: ScoringResult,
    *,
    title: str = "Weighted totals",
    places: int = 2,
    bar_width: int = 420,
    row_height: int = 26,
) -> str:
    """Horizontal bars of the weighted totals on 0-100, ranked bids in ranking order (rank and total printed,
    the winner darker). Knocked-out bids are listed below under "Excluded by knockout" with the reason and no
    bar. A provisional ranking says so under the title.
    """
    label_width = 240
    left = 10
    top = 34 + (20 if result.provisional else 0)
    axis_y = top + 14
    bars_y = axis_y + 8
    x0 = left + label_width
    ranked, excluded = result.ranking, result.excluded
    excluded_y = bars_y + row_height * len(ranked) + (30 if excluded else 0)
    height = excluded_y + row_height * len(excluded) + 16
    width = x0 + bar_width + 90

    body = [f'<text x="{left}" y="20" font-size="14" font-weight="bold">{_esc(title)}</text>']
    if result.provisional:
        body.append(
            f"<g><title>{_esc('; '.join(result.provisional_reasons))}</title>"
            f'<text x="{left}" y="40" font-size="11" fill="{FLAG}">Provisional ranking: '
            f"{len(result.provisional_reasons)} open point{'s' if len(result.provisional_reasons) != 1 else ''}"
            "</text></g>"
        )
    # Axis with ticks every 25 points.
    for tick in range(0, 101, 25):
        x = x0 + bar_width * tick / 100
        body.append(
            f'<line x1="{_num(x)}" y1="{_num(axis_y + 4)}" x2="{_num(x)}" '
            f'y2="{_num(bars_y + row_height * max(1, len(ranked)))}" stroke="{GRID}" stroke-width="1"/>'
            f'<text x="{_num(x)}" y="{_num(axis_y)}" text-anchor="middle" font-size="10" fill="{MUTED}">{tick}</text>'
        )
    if not ranked:
        body.append(f'<text x="{x0}" y="{_num(bars_y + 17)}" fill="{MUTED}">No bid is ranked.</text>')
    for i, bid in enumerate(ranked):
        y = bars_y + i * row_height
        total = bid.total or 0.0
        length = bar_width * min(100.0, max(0.0, total)) / 100
        note = f"; {bid.tie_break.explanation}" if bid.tie_break else ""
        if bid.provisional:
            note += "; provisional"
        body.append(
            f"<g><title>{_esc(bid.label)}: rank {bid.rank}, weighted total {_esc(format_number(total, places))} "
            f"of 100{_esc(note)}</title>"
            f'<text x="{left}" y="{_num(y + row_height / 2 + 4)}">{_esc(_short(_row_label(bid), 36))}</text>'
            f'<rect x="{x0}" y="{_num(y + 4)}" width="{_num(length)}" height="{_num(row_height - 8)}" '
            f'fill="{BAR_WINNER if bid.rank == 1 else BAR}"/>'
            f'<text x="{_num(x0 + length + 6)}" y="{_num(y + row_height / 2 + 4)}" font-size="11">'
            f"{_esc(format_number(total, places))}</text></g>"
        )
    if excluded:
        body.append(
            f'<line x1="{left}" y1="{_num(excluded_y - 22)}" x2="{_num(width - 10)}" y2="{_num(excluded_y - 22)}" '
            f'stroke="{GRID}" stroke-width="1"/>'
            f'<text x="{left}" y="{_num(excluded_y - 6)}" font-size="12" font-weight="bold">Excluded by knockout'
            "</text>"
        )
    for i, bid in enumerate(excluded):
        y = excluded_y + i * row_height
        body.append(
            f"<g><title>{_esc(bid.label)}: {_esc(bid.exclusion_reason or 'excluded')}</title>"
            f'<text x="{left}" y="{_num(y + row_height / 2 + 4)}" fill="{MUTED}">'
            f"{_esc(_short(_row_label(bid), 36))}</text>"
            f'<text x="{x0}" y="{_num(y + row_height / 2 + 4)}" font-size="11" fill="{MUTED}">'
            f"{_esc(_short(bid.exclusion_reason or 'excluded', 70))}</text></g>"
        )
    desc = f"Bar chart of the weighted totals (0\u2013100) of {len(ranked)} ranked bids" + (
        f"; {len(excluded)} bids excluded by a knockout are listed without a bar." if excluded else "."
    )
    return _svg(width, height, title, desc, body)
