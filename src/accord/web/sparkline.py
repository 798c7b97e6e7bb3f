"""Small inline SVG pictures rendered on the server: no script, no extra request, and they
print. Every picture carries a text alternative (`<title>` + `aria-label`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT, PAD = 120, 28, 3


@dataclass(frozen=True)
class Point:
    label: str  # the period, e.g. 2026-03
    value: float | None  # attainment in percent; None: no data
    status: str  # met, at_risk, breached, no_data


def percent(value: float | None, digits: int = 2) -> str:
    return "no data" if value is None else f"{value:.{digits}f} %"


def describe(points: Sequence[Point], objective: float | None) -> str:
    """The text alternative: how many periods of each status, and the lowest one."""
    if not points:
        return "No periods evaluated yet"
    counts: dict[str, int] = {}
    for p in points:
        counts[p.status] = counts.get(p.status, 0) + 1
    tally = ", ".join(f"{n} {s.replace('_', ' ')}" for s, n in counts.items())
    text = f"Last {len(points)} periods against {percent(objective)}: {tally}"
    judged = [p for p in points if p.value is not None]
    if judged:
        low = min(judged, key=lambda p: p.value or 0.0)
        text += f"; lowest {percent(low.value)} in {low.label}"
    return text


def sparkline(points: Sequence[Point], objective: float | None) -> SafeString:
    """Attainment over the periods given (oldest first) with the objective as a dashed
    line; each point coloured by its status. The y range spans the data and the
    objective, so a dip below the line is visible even at 99.9 %."""
    alt = escape(describe(points, objective))
    values = [p.value for p in points if p.value is not None]
    if objective is not None:
        values.append(objective)
    head = f'<svg class="sparkline" viewBox="0 0 {WIDTH} {HEIGHT}" role="img"><title>{alt}</title>'
    if not values:
        return mark_safe(head + "</svg>")
    low, high = min(values), max(values)
    if high - low < 1e-9:
        low, high = low - 0.5, high + 0.5
    step = (WIDTH - 2 * PAD) / max(len(points) - 1, 1)

    def y(value: float) -> float:
        return PAD + (high - value) / (high - low) * (HEIGHT - 2 * PAD)

    parts = [head]
    if objective is not None:
        oy = y(objective)
        parts.append(f'<line class="objective" x1="0" x2="{WIDTH}" y1="{oy:.1f}" y2="{oy:.1f}"/>')
    coords = [(PAD + i * step, y(p.value)) for i, p in enumerate(points) if p.value is not None]
    if len(coords) > 1:
        path = " ".join(f"{x:.1f},{yy:.1f}" for x, yy in coords)
        parts.append(f'<polyline class="line" points="{path}"/>')
    for i, p in enumerate(points):
        # Dots only where attention is due, and on the latest period: keeps pages light.
        if p.value is not None and (p.status != "met" or i == len(points) - 1):
            parts.append(
                f'<circle class="pt-{escape(p.status)}" cx="{PAD + i * step:.1f}" '
                f'cy="{y(p.value):.1f}" r="2"/>'
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))
