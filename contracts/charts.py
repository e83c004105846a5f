"""Server-side SVG trend charts of KPI measurements (same conventions as awards/charts.py: self-contained,
no scripts, no style attributes, every label escaped, colour never the only signal — a breach is a red point
with a printed ✕ and a <title>)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from html import escape

FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"
INK = "#1f2933"
MUTED = "#5f6b7a"
FLAG = "#b42318"
GRID = "#d5dae1"
LINE = "#3b6ea8"
THRESHOLD = "#8a5a00"


def _esc(text: object) -> str:
    return escape(str(text), quote=True)


def _num(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def _fmt(value: Decimal) -> str:
    return f"{Decimal(value).normalize():f}"


def kpi_trend_svg(*, name: str, unit: str, threshold: Decimal, direction_label: str,
                  points: list[tuple[date, Decimal, bool]], width: int = 560, height: int = 220) -> str:
    """A line of the measurements over time, the threshold as a dashed line, breaches marked."""
    left, right, top, bottom = 56, 16, 28, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    title = f"{name}: trend against the threshold ({direction_label} {_fmt(threshold)}{' ' + unit if unit else ''})"
    body = [f'<text x="{left}" y="18" font-weight="bold">{_esc(name)}</text>']
    if not points:
        body.append(f'<text x="{left}" y="{top + plot_h / 2:.0f}" fill="{MUTED}">No measurement yet.</text>')
        return _svg(width, height, title, "No measurements recorded.", body)
    values = [float(v) for _, v, _ in points] + [float(threshold)]
    low, high = min(values), max(values)
    if high == low:
        high, low = high + 1, low - 1
    pad = (high - low) * 0.1
    low, high = low - pad, high + pad
    first, last = points[0][0], points[-1][0]
    span = max((last - first).days, 1)

    def x(day: date) -> float:
        return left + (plot_w * ((day - first).days / span) if len(points) > 1 else plot_w / 2)

    def y(value: float) -> float:
        return top + plot_h * (1 - (value - low) / (high - low))

    for frac in (0, 0.5, 1):
        value = low + (high - low) * frac
        body.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{_num(y(value))}" y2="{_num(y(value))}" '
                    f'stroke="{GRID}"/>')
        body.append(f'<text x="{left - 6}" y="{_num(y(value) + 4)}" text-anchor="end" font-size="10" '
                    f'fill="{MUTED}">{_esc(f"{value:.4g}")}</text>')
    ty = _num(y(float(threshold)))
    body.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{ty}" y2="{ty}" stroke="{THRESHOLD}" '
                f'stroke-dasharray="6 4" stroke-width="1.5"><title>Threshold: {_esc(direction_label)} '
                f'{_esc(_fmt(threshold))}</title></line>')
    body.append(f'<text x="{left + plot_w}" y="{_num(y(float(threshold)) - 4)}" text-anchor="end" font-size="10" '
                f'fill="{THRESHOLD}">threshold {_esc(_fmt(threshold))}</text>')
    coords = " ".join(f"{_num(x(d))},{_num(y(float(v)))}" for d, v, _ in points)
    body.append(f'<polyline points="{coords}" fill="none" stroke="{LINE}" stroke-width="2"/>')
    for day, value, breach in points:
        cx, cy = _num(x(day)), _num(y(float(value)))
        label = f"{day:%d %b %Y}: {_fmt(value)}{' ' + unit if unit else ''}" + (" — breach" if breach else "")
        if breach:
            body.append(f'<circle cx="{cx}" cy="{cy}" r="5" fill="{FLAG}"><title>{_esc(label)}</title></circle>')
            body.append(f'<text x="{cx}" y="{_num(y(float(value)) - 8)}" text-anchor="middle" font-size="11" '
                        f'fill="{FLAG}">\u2715</text>')
        else:
            body.append(f'<circle cx="{cx}" cy="{cy}" r="3.5" fill="{LINE}"><title>{_esc(label)}</title></circle>')
    body.append(f'<text x="{left}" y="{height - 10}" font-size="10" fill="{MUTED}">{first:%d %b %Y}</text>')
    if len(points) > 1:
        body.append(f'<text x="{left + plot_w}" y="{height - 10}" text-anchor="end" font-size="10" '
                    f'fill="{MUTED}">{last:%d %b %Y}</text>')
    breaches = sum(1 for *_, b in points if b)
    desc = f"{len(points)} measurements from {first:%d %b %Y} to {last:%d %b %Y}; {breaches} breach(es)."
    return _svg(width, height, title, desc, body)


def _svg(width: float, height: float, title: str, desc: str, body: list[str]) -> str:
    return "\n".join([
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_num(width)}" height="{_num(height)}" '
        f'viewBox="0 0 {_num(width)} {_num(height)}" role="img" font-family="{FONT}" font-size="12" fill="{INK}">',
        f"<title>{_esc(title)}</title>", f"<desc>{_esc(desc)}</desc>",
        f'<rect x="0" y="0" width="{_num(width)}" height="{_num(height)}" fill="#ffffff"/>',
        *body, "</svg>",
    ])


def bar_chart_svg(*, title: str, rows: list[tuple[str, float, str]], unit: str = "", empty: str = "Nothing to show.",
                  bar_width: int = 360, row_height: int = 24, label_width: int = 200) -> str:
    """Horizontal bars, one per (label, value, printed value); the portfolio's panels (issue 21). Every bar
    prints its value and carries a <title>, so the chart reads without colour and the table repeats it."""
    from awards.charts import BAR, _short

    left, top = 10, 34
    x0 = left + label_width
    height = top + row_height * max(1, len(rows)) + 12
    width = x0 + bar_width + 110
    peak = max((value for _, value, _ in rows), default=0) or 1
    body = [f'<text x="{left}" y="20" font-size="14" font-weight="bold">{_esc(title)}</text>']
    if not rows:
        body.append(f'<text x="{left}" y="{_num(top + 16)}" fill="{MUTED}">{_esc(empty)}</text>')
    for i, (label, value, printed) in enumerate(rows):
        y = top + i * row_height
        length = bar_width * max(0.0, float(value)) / float(peak)
        body.append(
            f"<g><title>{_esc(label)}: {_esc(printed)}{_esc(' ' + unit if unit else '')}</title>"
            f'<text x="{left}" y="{_num(y + row_height / 2 + 4)}">{_esc(_short(str(label), 30))}</text>'
            f'<rect x="{x0}" y="{_num(y + 4)}" width="{_num(length)}" height="{_num(row_height - 8)}" fill="{BAR}"/>'
            f'<text x="{_num(x0 + length + 6)}" y="{_num(y + row_height / 2 + 4)}" font-size="11">'
            f"{_esc(printed)}</text></g>")
    desc = f"Bar chart of {len(rows)} values" + (f" in {unit}" if unit else "") + "; the table below repeats them."
    return _svg(width, height, title, desc, body)
