"""The checkers that `accord.manifests.schema` builds its field rules from.

A checker is `check(ctx, value, path) -> normalised value`; on a problem it records an
error on `ctx` (with the line of `path`) and returns `INVALID`, so checking goes on and
every error of a run is reported. `obj(fields)` checks a mapping against a table of
`Field`s: unknown and missing fields, then each field's checker; absent optional fields
get their `default` (None unless stated), so a normalised mapping always has every key.
Kind-specific checkers and the tables are in `schema`; rules that tie several fields or
documents together are in `validate`.
"""

from __future__ import annotations

import copy
import datetime as dt
import difflib
import re
import zoneinfo
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from accord.engine.parsing import DURATION_EXAMPLES, parse_duration
from accord.manifests.errors import ManifestError, show
from accord.manifests.loader import SLUG, SLUG_HINT, Document


class _Invalid:
    def __repr__(self) -> str:
        return "INVALID"


INVALID: Any = _Invalid()  # the value of a field whose error has been recorded
Checker = Callable[["Ctx", Any, str], Any]
_PARENT = re.compile(r"(\.[^.\[]*|\[\d+\])$")


@dataclass
class Ctx:
    """Where errors of one document go, and the names every reference may point to."""

    doc: Document
    known: Mapping[str, frozenset[str]]  # kind -> names in the files or the database
    errors: list[ManifestError] = field(default_factory=list)

    def error(self, path: str, message: str) -> None:
        doc = self.doc
        error = ManifestError(doc.file, self.line(path), doc.kind, doc.name, path or None, message)
        self.errors.append(error)

    def line(self, path: str) -> int:
        """The line of `path`, else of its nearest ancestor: a missing field has no line."""
        while path:
            if path in self.doc.lines:
                return self.doc.lines[path]
            path = _PARENT.sub("", path)
        return self.doc.line


@dataclass(frozen=True)
class Field:
    check: Checker
    required: bool = False
    default: Any = None
    only_for: tuple[str, ...] = ()  # targets: the metrics this field is allowed for
    required_for: tuple[str, ...] = ()  # targets: the metrics this field is required for


def join(path: str, key: str | int) -> str:
    return f"{path}[{key}]" if isinstance(key, int) else f"{path}.{key}" if path else key


def obj(fields: Mapping[str, Field], what: str = "a mapping") -> Checker:
    def check(ctx: Ctx, value: Any, path: str) -> Any:
        if not isinstance(value, dict):
            ctx.error(path, f"expected {what}, got {show(value)}")
            return INVALID
        for key in value:
            if key not in fields:
                ctx.error(join(path, key), unknown_field(key, fields))
        result: dict[str, Any] = {}
        for key, rule in fields.items():
            if key in value:
                result[key] = rule.check(ctx, value[key], join(path, key))
            else:
                if rule.required:
                    ctx.error(path, f'missing required field "{key}"')
                result[key] = INVALID if rule.required else copy.deepcopy(rule.default)
        return result

    return check


def unknown_field(key: str, allowed: Mapping[str, Any]) -> str:
    close = difflib.get_close_matches(key, list(allowed), n=1)
    hint = f'did you mean "{close[0]}"? ' if close else ""
    return f"unknown field ({hint}allowed: {', '.join(allowed)})"


def list_of(item: Checker, what: str = "a list", *, unique: bool = False) -> Checker:
    def check(ctx: Ctx, value: Any, path: str) -> Any:
        if not isinstance(value, list):
            ctx.error(path, f"expected {what}, got {show(value)}")
            return INVALID
        result = [item(ctx, v, join(path, i)) for i, v in enumerate(value)]
        if unique:
            for index, v in enumerate(result):
                if v is not INVALID and v in result[:index]:
                    ctx.error(join(path, index), f"{show(v)} is listed twice")
        return result

    return check


def text(ctx: Ctx, value: Any, path: str) -> Any:
    if isinstance(value, str) and value.strip():
        return value
    ctx.error(path, f"expected text, got {show(value)}")
    return INVALID


def slug(ctx: Ctx, value: Any, path: str) -> Any:
    if isinstance(value, str) and SLUG.match(value):
        return value
    ctx.error(path, f"{show(value)} is not a valid name ({SLUG_HINT})")
    return INVALID


def boolean(ctx: Ctx, value: Any, path: str) -> Any:
    if isinstance(value, bool):
        return value
    ctx.error(path, f"expected true or false, got {show(value)}")
    return INVALID


def enum(*choices: str) -> Checker:
    def check(ctx: Ctx, value: Any, path: str) -> Any:
        if isinstance(value, str) and value in choices:
            return value
        ctx.error(path, f"expected one of {', '.join(choices)}; got {show(value)}")
        return INVALID

    return check


def number(
    low: float | None = None, high: float | None = None, *, low_open: bool = False
) -> Checker:
    """A float within [low, high] (or (low, high] when `low_open`)."""

    def check(ctx: Ctx, value: Any, path: str) -> Any:
        if isinstance(value, bool) or not isinstance(value, int | float):
            ctx.error(path, f"expected a number, got {show(value)}")
            return INVALID
        too_low = low is not None and (value <= low if low_open else value < low)
        if too_low or (high is not None and value > high):
            if high is None:
                bound = "greater than" if low_open else "at least"
                ctx.error(path, f"{show(value)} must be {bound} {low:g}")
            else:
                interval = f"{'(' if low_open else '['}{low:g}, {high:g}]"
                ctx.error(path, f"{show(value)} is outside {interval}")
            return INVALID
        return float(value)

    return check


def duration(ctx: Ctx, value: Any, path: str) -> Any:
    """A duration (`4h`, `1h30m`, `PT4H`) as int seconds."""
    try:
        if isinstance(value, str):
            return parse_duration(value)
    except ValueError as exc:
        ctx.error(path, str(exc))
        return INVALID
    ctx.error(path, f"{show(value)} is not a duration (examples: {DURATION_EXAMPLES})")
    return INVALID


def date(ctx: Ctx, value: Any, path: str) -> Any:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    ctx.error(path, f"{show(value)} is not a date (expected YYYY-MM-DD, e.g. 2026-01-31)")
    return INVALID


def instant(ctx: Ctx, value: Any, path: str) -> Any:
    """An aware date and time, normalised to UTC; a naive one would be read ambiguously."""
    parsed = value
    if isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            parsed = None
    if not isinstance(parsed, dt.datetime):
        example = "e.g. 2026-03-08T01:00:00Z"
        ctx.error(path, f"{show(value)} is not a date and time with a UTC offset ({example})")
        return INVALID
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        shown = parsed.isoformat()
        ctx.error(path, f"{shown} needs a UTC offset, e.g. 2026-03-08T01:00:00Z")
        return INVALID
    return parsed.astimezone(dt.UTC)


def timezone(ctx: Ctx, value: Any, path: str) -> Any:
    if isinstance(value, str):
        try:
            zoneinfo.ZoneInfo(value)
            return value
        except (ValueError, zoneinfo.ZoneInfoNotFoundError):
            pass
    ctx.error(path, f"{show(value)} is not an IANA time zone (e.g. Europe/London, UTC)")
    return INVALID


def email(ctx: Ctx, value: Any, path: str) -> Any:
    if isinstance(value, str) and re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s.]+", value):
        return value
    ctx.error(path, f"{show(value)} is not an e-mail address (e.g. name@example.com)")
    return INVALID


def url(ctx: Ctx, value: Any, path: str) -> Any:
    if isinstance(value, str) and re.fullmatch(r"https?://[^\s/?#]+[^\s]*", value):
        return value
    ctx.error(path, f"{show(value)} is not an http(s) URL (e.g. http://127.0.0.1:9090)")
    return INVALID


def currency(ctx: Ctx, value: Any, path: str) -> Any:
    if isinstance(value, str) and re.fullmatch(r"[A-Z]{3}", value):
        return value
    ctx.error(path, f"{show(value)} is not a currency code (3 capital letters, e.g. EUR)")
    return INVALID


def ref(*kinds: str, builtin: str | None = None) -> Checker:
    """A name of an object of one of `kinds`, in the files or already in the database."""

    def check(ctx: Ctx, value: Any, path: str) -> Any:
        if not isinstance(value, str):
            ctx.error(path, f"expected a name, got {show(value)}")
            return INVALID
        if value == builtin or any(value in ctx.known.get(kind, ()) for kind in kinds):
            return value
        known = set().union(*(ctx.known.get(kind, frozenset()) for kind in kinds))
        choices = sorted(known | ({builtin} if builtin else set()))
        listed = ", ".join(choices[:12]) + (", …" if len(choices) > 12 else "")
        what = " or ".join(kinds)
        ctx.error(path, f"unknown {what} {show(value)} (known: {listed or 'none'})")
        return INVALID

    return check


def refs(*kinds: str) -> Checker:
    return list_of(ref(*kinds), "a list of names", unique=True)


def money(ctx: Ctx, value: Any, path: str) -> Any:
    """A non-negative amount as a Decimal: money must not pick up binary float noise."""
    if number(0)(ctx, value, path) is INVALID:
        return INVALID
    return Decimal(str(value))


def where(ctx: Ctx, value: Any, path: str) -> Any:
    """Ticket attribute -> accepted values; scalars become text as attributes are text."""
    if not isinstance(value, dict):
        ctx.error(path, f"expected a mapping of ticket attribute to value(s), got {show(value)}")
        return INVALID
    result: dict[str, list[str]] = {}
    for key, given in value.items():
        items = given if isinstance(given, list) else [given]
        if not items or not all(isinstance(i, str | int | float) for i in items):
            ctx.error(join(path, key), f"expected a value or a list of values, got {show(given)}")
            continue
        result[key] = [str(i).lower() if isinstance(i, bool) else str(i) for i in items]
    return result


def state_names(ctx: Ctx, value: Any, path: str) -> Any:
    """Ticket states in the canonical form imports use: lower case, spaces as hyphens."""
    names = list_of(text, "a list of ticket states")(ctx, value, path)
    if names is INVALID:
        return INVALID
    canonical = [re.sub(r"\s+", "-", n.strip().lower()) for n in names if n is not INVALID]
    return list(dict.fromkeys(canonical))


def period(ctx: Ctx, value: Any, path: str) -> Any:
    if value in ("month", "quarter", "year"):
        return value
    if isinstance(value, dict):
        return obj({"rolling": Field(duration, required=True)})(ctx, value, path)
    ctx.error(path, f"expected month, quarter, year or {{rolling: 28d}}, got {show(value)}")
    return INVALID


_CADENCE = re.compile(r"P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?")


def cadence(ctx: Ctx, value: Any, path: str) -> Any:
    """An ISO 8601 calendar period, canonical: months folded into years, days into weeks."""
    match = _CADENCE.fullmatch(value.strip().upper()) if isinstance(value, str) else None
    numbers = [int(g or 0) for g in match.groups()] if match else [0]
    if not any(numbers):
        example = "an ISO 8601 period such as P1Y, P6M, P3M or P2W"
        ctx.error(path, f"{show(value)} is not a review cadence ({example})")
        return INVALID
    years, months, weeks, days = numbers
    months, days = months + 12 * years, days + 7 * weeks
    out = "P" + (f"{months // 12}Y" if months >= 12 else "")
    out += f"{months % 12}M" if months % 12 else ""
    if days:
        out += f"{days // 7}W" if days % 7 == 0 and not months else f"{days}D"
    return out
