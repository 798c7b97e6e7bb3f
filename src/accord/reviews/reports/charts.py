"""Charts drawn on the server as inline SVG, so the page and the PDF show the same
picture without JavaScript (WeasyPrint renders inline SVG). Colours are presentation
attributes, not CSS, so they survive printing and a strict Content-Security-Policy;
every chart carries a text alternative."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from html import escape
from zoneinfo import ZoneInfo

from accord.reviews.reports.content import TargetLine, TimelineRow

COLOURS = {"met": "#1e7b34", "at_risk": "#b36b00", "breached": "#b3261e", "no_data": "#777777"}
OUTAGE = "#b3261e"
MAINTENANCE = "#2b6cb0"


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def trend_svg(line: TargetLine, *, width: int = 260, height: int = 78) -> str:
    """Attainment per period against the objective (dashed); points coloured by status."""
    points = list(line.trend)
    values = [p.attainment for p in points if p.attainment is not None]
    summary = ", ".join(
        f"{p.period}: {'no data' if p.attainment is None else f'{p.attainment:.2f} %'}"
        for p in points
    )
    label = f"Trend of {line.key} over {len(points)} periods: {summary}"
    if not points:
        return ""
    low = min([*values, line.objective]) if values else line.objective
    floor = max(0.0, low - max(0.5, (100.0 - low) * 0.25))
    left, right, top, bottom = 34, 6, 6, 16
    span_x = (width - left - right) / max(1, len(points) - 1)

    def y(value: float) -> float:
        return top + (100.0 - value) / max(1e-9, 100.0 - floor) * (height - top - bottom)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label)}">',
        f"<title>{escape(label)}</title>",
        f'<rect x="{left}" y="{top}" width="{width - left - right}" '
        f'height="{height - top - bottom}" fill="#f6f7f9" stroke="#d0d4da" stroke-width="0.5"/>',
        f'<line x1="{left}" x2="{width - right}" y1="{_num(y(line.objective))}" '
        f'y2="{_num(y(line.objective))}" stroke="#444" stroke-dasharray="3 2" stroke-width="0.8"/>',
        _text(left - 3, top + 6, "100", 7, anchor="end"),
        _text(left - 3, height - bottom, f"{floor:.4g}", 7, anchor="end"),
    ]
    path = []
    for i, point in enumerate(points):
        if point.attainment is None:
            continue
        x, yy = left + i * span_x, y(point.attainment)
        path.append(f"{'M' if not path else 'L'}{_num(x)} {_num(yy)}")
    if len(path) > 1:
        parts.append(f'<path d="{" ".join(path)}" fill="none" stroke="#555" stroke-width="1"/>')
    for i, point in enumerate(points):
        x = left + i * span_x
        if point.attainment is None:
            parts.append(_text(x - 2, height - bottom - 3, "·", 8, "#999"))
            continue
        colour = COLOURS.get(point.status, "#555")
        parts.append(
            f'<circle cx="{_num(x)}" cy="{_num(y(point.attainment))}" r="2.6" fill="{colour}">'
            f"<title>{escape(point.period)}: {point.attainment:.2f} % ({point.status})</title>"
            "</circle>"
        )
    parts.append(_text(left, height - 3, points[0].period, 7))
    parts.append(_text(width - right, height - 3, points[-1].period, 7, anchor="end"))
    parts.append("</svg>")
    return "".join(parts)


def timeline_svg(
    rows: Sequence[TimelineRow],
    start: datetime,
    end: datetime,
    zone: str,
    *,
    width: int = 680,
) -> str:
    """One strip per subject across the period: outages (of the subject or what it
    depends on) in red, shaded by impact; agreed maintenance in blue."""
    if not rows:
        return ""
    label_w, row_h, axis_h = 110, 20, 16
    height = axis_h + row_h * len(rows) + 4
    total = (end - start).total_seconds() or 1.0
    inner = width - label_w - 4

    def x(moment: datetime) -> float:
        seconds = min(max((moment - start).total_seconds(), 0.0), total)
        return label_w + seconds / total * inner

    described = "; ".join(
        f"{row.subject}: {len(row.outages)} outage(s), {len(row.maintenance)} maintenance window(s)"
        for row in rows
    )
    label = f"Availability timeline {start:%Y-%m-%d} to {end:%Y-%m-%d}: {described}"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label)}">',
        f"<title>{escape(label)}</title>",
    ]
    parts += _axis(start, end, zone, x, axis_h, height)
    for i, row in enumerate(rows):
        top = axis_h + i * row_h + 2
        parts.append(_text(2, top + row_h / 2 + 2, row.subject, 8))
        parts.append(
            f'<rect x="{label_w}" y="{top}" width="{inner}" height="{row_h - 6}" '
            f'fill="#e8f3ea" stroke="#c5d9c9" stroke-width="0.5"/>'
        )
        for lo, hi in row.maintenance:
            parts.append(
                _bar(
                    x(lo),
                    x(hi),
                    top,
                    row_h - 6,
                    MAINTENANCE,
                    0.55,
                    f"maintenance {lo:%d %b %H:%M}–{hi:%H:%M} UTC",
                )
            )
        for outage in row.outages:
            stop = outage.end or end
            tip = (
                f"{outage.subject} down {outage.start:%d %b %H:%M} UTC for {outage.duration_text}"
                f" (impact {outage.impact:g})"
            )
            parts.append(
                _bar(
                    x(outage.start),
                    x(stop),
                    top,
                    row_h - 6,
                    OUTAGE,
                    0.35 + 0.65 * outage.impact,
                    tip,
                )
            )
    parts.append("</svg>")
    return "".join(parts)


def _axis(
    start: datetime, end: datetime, zone: str, x: object, axis_h: int, height: int
) -> list[str]:
    """Ticks at local midnights: every day up to a month, the 1st of each month beyond."""
    local = start.astimezone(ZoneInfo(zone))
    days = (end - start).days
    step = 1 if days <= 7 else 7 if days <= 40 else 0
    parts = []
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    while day < end:
        if day >= start and (
            (step and (day - local).days % step == 0) or (not step and day.day == 1)
        ):
            xx = x(day)  # type: ignore[operator]
            parts.append(
                f'<line x1="{_num(xx)}" x2="{_num(xx)}" y1="{axis_h - 3}" y2="{height}" '
                f'stroke="#bbb" stroke-width="0.5"/>'
            )
            near_end = xx > x(end) - 30  # type: ignore[operator]
            label = day.strftime("%d %b") if step else day.strftime("%b")
            parts.append(
                _text(
                    xx - 2 if near_end else xx + 2,
                    axis_h - 5,
                    label,
                    7,
                    anchor="end" if near_end else "start",
                )
            )
        day = (day + timedelta(days=1, hours=2)).replace(hour=0)
    return parts


def _bar(x0: float, x1: float, top: float, h: float, colour: str, opacity: float, tip: str) -> str:
    w = max(1.5, x1 - x0)  # a short outage still shows
    return (
        f'<rect x="{_num(x0)}" y="{_num(top)}" width="{_num(w)}" height="{_num(h)}" '
        f'fill="{colour}" fill-opacity="{opacity:.2f}"><title>{escape(tip)}</title></rect>'
    )


def _text(
    x: float, y: float, text: str, size: int, colour: str = "#333", anchor: str = "start"
) -> str:
    return (
        f'<text x="{_num(x)}" y="{_num(y)}" font-size="{size}" fill="{colour}" '
        f'text-anchor="{anchor}" font-family="DejaVu Sans, sans-serif">{escape(text)}</text>'
    )
