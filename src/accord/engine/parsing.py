"""Textual forms shared by manifests, imports and the engine: durations and clock ranges.

Durations follow SEMANTICS §1: `30s`, `15m`, `4h`, `2d`, combinations such as `1h30m`,
or ISO 8601 (`PT4H`, `P1DT2H`). A day is 24 hours of *counted* time, so the parsed
value is a number of seconds and never depends on a calendar.
"""

from __future__ import annotations

import re

DURATION_EXAMPLES = "4h, 30m, 1h30m, PT4H"

_UNITS = {"w": 604_800, "d": 86_400, "h": 3_600, "m": 60, "s": 1}
_SHORT = re.compile(r"^(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
_ISO = re.compile(r"^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$")
_CLOCK = re.compile(r"^(\d{2}):(\d{2})$")


def parse_duration(text: str) -> int:
    """Return the number of seconds `text` stands for; ValueError if it is not a duration."""
    value = text.strip()
    for pattern in (_SHORT, _ISO):
        match = pattern.match(value)
        if match and any(match.groups()) and not value.endswith("T"):
            parts = [float(g) if g else 0.0 for g in match.groups()]
            seconds = sum(p * u for p, u in zip(parts, _UNITS.values(), strict=True))
            if seconds > 0:
                return int(seconds)
    raise ValueError(f'"{text}" is not a duration (examples: {DURATION_EXAMPLES})')


def format_duration(seconds: int) -> str:
    """The shortest canonical short form: 900 → `15m`, 5400 → `1h30m`, 172800 → `2d`."""
    if seconds <= 0:
        raise ValueError(f"a duration must be positive, got {seconds} s")
    out = []
    rest = seconds
    for unit, size in _UNITS.items():
        if unit == "w":
            continue  # weeks read ambiguously next to business days; days are clearer
        count, rest = divmod(rest, size)
        if count:
            out.append(f"{count}{unit}")
    return "".join(out)


def parse_clock(text: str, *, allow_24: bool = False) -> int:
    """`HH:MM` → minutes after midnight; `24:00` only where an interval may end."""
    match = _CLOCK.match(text.strip())
    if not match:
        raise ValueError(f'"{text}" is not a time of day (expected HH:MM)')
    hours, minutes = int(match[1]), int(match[2])
    if minutes > 59 or hours > 24 or (hours == 24 and (minutes or not allow_24)):
        raise ValueError(f'"{text}" is not a time of day (00:00 to 23:59, or 24:00 as an end)')
    return hours * 60 + minutes


def parse_clock_range(text: str) -> tuple[int, int]:
    """`08:00-18:00` → (480, 1080) minutes; the end must come after the start."""
    start_text, sep, end_text = text.partition("-")
    if not sep:
        raise ValueError(f'"{text}" is not an opening interval (expected HH:MM-HH:MM)')
    start = parse_clock(start_text)
    end = parse_clock(end_text, allow_24=True)
    if end <= start:
        raise ValueError(
            f'"{text}" ends before it starts (an interval ends later the same day; '
            "use 24:00 for midnight and split overnight hours over two days)"
        )
    return start, end


def format_clock_range(start: int, end: int) -> str:
    return f"{start // 60:02d}:{start % 60:02d}-{end // 60:02d}:{end % 60:02d}"
