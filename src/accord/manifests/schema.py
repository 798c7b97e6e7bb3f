"""Declarative field rules of every `accord/v1` kind (`KINDS`), with their own checkers.

`KINDS[kind]` is the table of the fields of a kind's `spec`; `TARGET` that of an agreement
target. `only_for` / `required_for` tie target fields to metrics. Checkers return the
normalised value (see `accord.manifests.validate` for the normalised spec of each kind).
"""

from __future__ import annotations

import functools
import itertools
from typing import Any

from accord.engine.parsing import format_clock_range, parse_clock_range
from accord.manifests.checkers import (
    INVALID,
    Ctx,
    Field,
    boolean,
    cadence,
    currency,
    date,
    duration,
    email,
    enum,
    instant,
    join,
    list_of,
    money,
    number,
    obj,
    period,
    ref,
    refs,
    slug,
    state_names,
    text,
    timezone,
    url,
    where,
)
from accord.manifests.errors import show

BUILTIN_CALENDAR = "24x7"
TICKET_METRICS = ("response", "resolution")
BUDGET_METRICS = ("availability", "ratio", "threshold")
METRICS = TICKET_METRICS + BUDGET_METRICS
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
AGREEMENT_STATUSES = (
    "requirement",
    "draft",
    "proposed",
    "agreed",
    "active",
    "under-review",
    "expired",
    "superseded",
)
calendar_ref = ref("Calendar", builtin=BUILTIN_CALENDAR)


def warn_at(ctx: Ctx, value: Any, path: str) -> Any:
    """One percentage or a list; the metric-dependent upper bound is checked with the target."""
    items = list_of(number(0, 1000, low_open=True), "a number or a list of numbers")
    result = items(ctx, value if isinstance(value, list) else [value], path)
    if result is INVALID or INVALID in result:
        return INVALID
    return sorted(set(result))


CREDIT = {
    "below": Field(number(0, 100, low_open=True), required=True),
    "percent": Field(number(0, 100, low_open=True), required=True),
}


def credits(ctx: Ctx, value: Any, path: str) -> Any:
    bands = list_of(obj(CREDIT, "a band {below, percent}"), "a list of credit bands")
    result = bands(ctx, value, path)
    if result is INVALID:
        return INVALID
    for index in range(1, len(result)):
        before, band = result[index - 1], result[index]
        if INVALID in (before, band) or INVALID in (*before.values(), *band.values()):
            continue
        # Bands must read as a staircase: worse attainment never earns a smaller credit.
        if band["below"] >= before["below"] or band["percent"] < before["percent"]:
            ctx.error(
                join(path, index),
                f"credit bands out of order: {_band(band)} comes after {_band(before)} "
                '(list bands with "below" decreasing and "percent" not decreasing)',
            )
    return result


def _band(band: dict[str, float]) -> str:
    return f"{{below: {band['below']:g}, percent: {band['percent']:g}}}"


def depends_on(ctx: Ctx, value: Any, path: str) -> Any:
    """Requirements as lists of names: one name is required, several an anyOf group."""
    what = "a list of names or {anyOf: [names]}"
    if not isinstance(value, list):
        ctx.error(path, f"expected {what}, got {show(value)}")
        return INVALID
    group = obj({"anyOf": Field(refs("Component", "Service"), required=True)}, what)
    result: list[Any] = []
    for index, item in enumerate(value):
        item_path = join(path, index)
        if not isinstance(item, dict):
            name = ref("Component", "Service")(ctx, item, item_path)
            result.append(INVALID if name is INVALID else [name])
            continue
        names = group(ctx, item, item_path)
        names = INVALID if names is INVALID else names["anyOf"]
        if names is not INVALID and len(names) < 2:
            ctx.error(join(item_path, "anyOf"), "an anyOf group needs at least 2 names")
            names = INVALID
        result.append(names)
    return result


def target_overrides(ctx: Ctx, value: Any, path: str) -> Any:
    """TemporaryChange targets: target name -> {within, objective} (absent ones None)."""
    if not isinstance(value, dict):
        ctx.error(
            path, f"expected a mapping of target name to {{within, objective}}, got {show(value)}"
        )
        return INVALID
    override = obj(OVERRIDE, "a mapping with within and/or objective")
    result = {}
    for name, given in value.items():
        result[name] = changed = override(ctx, given, join(path, name))
        if changed is not INVALID and all(v is None for v in changed.values()):
            ctx.error(join(path, name), 'give "within" and/or "objective"')
    return result


OVERRIDE = {"within": Field(duration), "objective": Field(number(0, 100, low_open=True))}


def _days(key: str) -> list[int]:
    """`mon`, `mon-fri`, `mon,wed`, `daily` -> weekday numbers (Monday 0); ranges may wrap."""
    if key == "daily":
        return list(range(7))
    days: list[int] = []
    for part in key.split(","):
        first, dash, last = part.strip().partition("-")
        if first not in DAYS or (dash and last not in DAYS):
            hint = "mon … sun, a range like mon-fri, a list like mon,wed, or daily"
            raise ValueError(f'"{key}" is not a day or range of days ({hint})')
        start = DAYS.index(first)
        # sun-thu wraps around the week: a working week in much of the Middle East.
        length = (DAYS.index(last) - start) % 7 + 1 if dash else 1
        days.extend((start + offset) % 7 for offset in range(length))
    return days


def intervals(ctx: Ctx, value: Any, path: str) -> Any:
    """`["08:00-12:00", "13:00-18:00"]` -> sorted [[start_min, end_min], …], no overlaps."""
    if not isinstance(value, list):
        ctx.error(path, f'expected a list of intervals like ["08:00-18:00"], got {show(value)}')
        return INVALID
    found: list[tuple[int, int, int]] = []  # (start, end, index in the manifest)
    for index, item in enumerate(value):
        try:
            if not isinstance(item, str):
                raise ValueError(f"{show(item)} is not an opening interval (expected HH:MM-HH:MM)")
            found.append((*parse_clock_range(item), index))
        except ValueError as exc:
            ctx.error(join(path, index), str(exc))
    found.sort()
    for (start, end, _), (next_start, next_end, index) in itertools.pairwise(found):
        if next_start < end:
            first, second = format_clock_range(start, end), format_clock_range(next_start, next_end)
            ctx.error(join(path, index), f"{second} overlaps {first}")
            return INVALID
    if len(found) < len(value):
        return INVALID
    return [[start, end] for start, end, _ in found]


def hours(ctx: Ctx, value: Any, path: str) -> Any:
    """Day keys -> intervals, as 7 lists (Monday first); each weekday may be given once."""
    if not isinstance(value, dict):
        example = 'mon-fri: ["08:00-18:00"]'
        ctx.error(path, f"expected a mapping of days to intervals ({example}), got {show(value)}")
        return INVALID
    weekly: list[Any] = [[] for _ in DAYS]
    given: dict[int, str] = {}
    for key, ranges in value.items():
        try:
            days = _days(key)
        except ValueError as exc:
            ctx.error(join(path, key), str(exc))
            continue
        parsed = intervals(ctx, ranges, join(path, key))
        for day in days:
            if day in given:
                where = f'"{given[day]}" and "{key}"' if given[day] != key else f'"{key}"'
                ctx.error(join(path, key), f"{DAYS[day]} is given twice (in {where})")
                continue
            given[day] = key
            weekly[day] = INVALID if parsed is INVALID else [list(i) for i in parsed]
    return weekly


@functools.cache
def _countries() -> dict[str, list[str]]:
    import holidays  # imported on first use: it is slow to import and rarely needed

    return dict(holidays.list_supported_countries())


def country(ctx: Ctx, value: Any, path: str) -> Any:
    if isinstance(value, str) and value in _countries():
        return value
    ctx.error(
        path, f"{show(value)} is not a country code known to the holidays package (e.g. GB, DE, US)"
    )
    return INVALID


HOLIDAYS = {
    "country": Field(country),
    "subdivision": Field(text),
    "dates": Field(list_of(date, "a list of dates", unique=True), default=[]),
}
NO_HOLIDAYS: dict[str, Any] = {"country": None, "subdivision": None, "dates": []}


def holidays(ctx: Ctx, value: Any, path: str) -> Any:
    result = obj(HOLIDAYS, "a mapping with country, subdivision and dates")(ctx, value, path)
    if result is INVALID:
        return INVALID
    code, subdivision = result["country"], result["subdivision"]
    if subdivision not in (None, INVALID) and code is None:
        ctx.error(join(path, "subdivision"), 'needs a "country"')
    elif subdivision not in (None, INVALID) and code is not INVALID:
        known = _countries()[code]
        if subdivision not in known:
            listed = ", ".join(known[:20]) + (", …" if len(known) > 20 else "") or "none"
            message = f"{show(subdivision)} is not a subdivision of {code} (known: {listed})"
            ctx.error(join(path, "subdivision"), message)
    if result["dates"] is not INVALID and INVALID not in result["dates"]:
        result["dates"] = sorted(result["dates"])
    return result


def closed(ctx: Ctx, value: Any, path: str) -> Any:
    if value is True:
        return [[0, 24 * 60]]
    if isinstance(value, list):
        return intervals(ctx, value, path)
    ctx.error(path, f"expected true (the whole day) or a list of intervals, got {show(value)}")
    return INVALID


EXCEPTION = {
    "date": Field(date, required=True),
    "open": Field(intervals),
    "closed": Field(closed),
    "reason": Field(text),
}


def exception(ctx: Ctx, value: Any, path: str) -> Any:
    """{date, open: [...]} or {date, closed: [...] | true} -> {date, kind, intervals, reason}."""
    given = obj(EXCEPTION, "a mapping with date and open or closed")(ctx, value, path)
    if given is INVALID:
        return INVALID
    kinds = [kind for kind in ("open", "closed") if kind in value]
    if len(kinds) != 1:
        ctx.error(path, 'give either "open" (extra opening) or "closed" (a closure), not both')
        return INVALID
    kind = kinds[0]
    return {
        "date": given["date"],
        "kind": kind,
        "intervals": given[kind],
        "reason": given["reason"],
    }


CONTACT = {
    "name": Field(text, required=True),
    "email": Field(email, required=True),
    "role": Field(text),
}
EFFECTIVE = {"from": Field(date, required=True), "until": Field(date)}
REVIEW = {"every": Field(cadence), "next": Field(date)}
CHARGES = {"perPeriod": Field(money, required=True), "currency": Field(currency, required=True)}
RATIO, THRESHOLD = ("ratio",), ("threshold",)
TARGET = {
    "name": Field(slug, required=True),
    "metric": Field(enum(*METRICS), required=True),
    "objective": Field(number(0, 100, low_open=True), required=True),
    "description": Field(text),
    "where": Field(where, default={}, only_for=TICKET_METRICS),
    "within": Field(duration, only_for=TICKET_METRICS, required_for=TICKET_METRICS),
    "serviceHours": Field(calendar_ref),
    "pauseWhen": Field(state_names, default=[], only_for=TICKET_METRICS),
    "excludePlanned": Field(boolean, default=False, only_for=("availability",)),
    "warnAt": Field(warn_at),
    "warnBefore": Field(duration, only_for=TICKET_METRICS),
    "credits": Field(credits, default=[]),
    "source": Field(ref("DataSource"), only_for=RATIO),
    "good": Field(text, only_for=RATIO),
    "total": Field(text, only_for=RATIO),
    "series": Field(text, only_for=RATIO + THRESHOLD),
    "op": Field(enum("<", "<=", ">", ">="), only_for=THRESHOLD, required_for=THRESHOLD),
    "value": Field(number(), only_for=THRESHOLD, required_for=THRESHOLD),
    "unit": Field(text, only_for=THRESHOLD),
    "budgeting": Field(
        enum("occurrences", "timeslices", "ratio-timeslices"), only_for=RATIO + THRESHOLD
    ),
    "timeslice": Field(duration, only_for=RATIO + THRESHOLD),
}
KINDS: dict[str, dict[str, Field]] = {
    "Party": {
        "role": Field(enum("customer", "provider", "supplier"), required=True),
        "timezone": Field(timezone),
        "contacts": Field(
            list_of(obj(CONTACT, "a contact {name, email, role}"), "a list of contacts"), default=[]
        ),
    },
    "Calendar": {
        "timezone": Field(timezone, required=True),
        "hours": Field(hours, default=[[] for _ in DAYS]),
        "holidays": Field(holidays, default=NO_HOLIDAYS),
        "exceptions": Field(list_of(exception, "a list of exceptions"), default=[]),
    },
    "Component": {
        "provider": Field(ref("Party")),
        "dependsOn": Field(depends_on, default=[]),
        "description": Field(text),
    },
    "Service": {
        "owner": Field(ref("Party")),
        "status": Field(enum("pipeline", "live", "retired"), default="live"),
        "criticality": Field(enum("low", "medium", "high", "critical"), default="medium"),
        "description": Field(text),
        "dependsOn": Field(depends_on, default=[]),
    },
    "DataSource": {
        "type": Field(enum("prometheus"), required=True),
        "url": Field(url, required=True),
    },
    "Agreement": {
        "type": Field(enum("SLA", "OLA", "UC"), required=True),
        "structure": Field(enum("service", "customer", "corporate"), default="service"),
        "status": Field(enum(*AGREEMENT_STATUSES), default="draft"),
        "provider": Field(ref("Party"), required=True),
        "consumer": Field(ref("Party")),
        "consumers": Field(refs("Party")),
        "services": Field(refs("Service", "Component"), default=[]),
        "parent": Field(ref("Agreement")),
        "effective": Field(obj(EFFECTIVE, "a mapping with from and until")),
        "review": Field(obj(REVIEW, "a mapping with every and next")),
        "serviceHours": Field(calendar_ref),
        "timezone": Field(timezone),
        "period": Field(period, default="month"),
        "underpinnedBy": Field(refs("Agreement"), default=[]),
        "charges": Field(obj(CHARGES, "a mapping with perPeriod and currency")),
        "creditCap": Field(number(0, 100)),
        "description": Field(text),
        "targets": Field(
            list_of(obj(TARGET, "a target (a mapping)"), "a list of targets"), default=[]
        ),
    },
    "MaintenanceWindow": {
        "components": Field(refs("Component"), default=[]),
        "services": Field(refs("Service"), default=[]),
        "start": Field(instant, required=True),
        "end": Field(instant, required=True),
        "agreed": Field(boolean, default=False),
        "description": Field(text),
    },
    "TemporaryChange": {
        "agreement": Field(ref("Agreement"), required=True),
        "from": Field(instant, required=True),
        "until": Field(instant, required=True),
        "reason": Field(text, required=True),
        "serviceHours": Field(calendar_ref),
        "targets": Field(target_overrides, default={}),
        "approvedBy": Field(list_of(email, "a list of e-mail addresses", unique=True), default=[]),
        "status": Field(enum("requested", "approved", "active", "reverted", "rejected")),
    },
}
