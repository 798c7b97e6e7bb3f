"""End-of-period forecasts (SEMANTICS §7): a number, and the assumption behind it in words.

- availability (and timeslices): the rest of the period's scheduled time (or slices) is
  assumed to go bad at the trailing 28-day rate;
- ticket and ratio targets: the rest of the period is assumed to bring the trailing
  28-day volume (pro rata to its length) with the trailing 28-day good/bad mix.

Both reduce to one projection: rest_bad = rest_total × trailing bad / trailing total.
The trailing window is [as_of − 28 d, as_of), whatever period it reaches back into.
"""

from __future__ import annotations

from dataclasses import dataclass

from accord.engine.ledger import WeightWindow
from accord.engine.parsing import format_duration

TRAILING_S = 28 * 86_400


@dataclass(frozen=True)
class Forecast:
    """Projected end-of-period attainment in percent (None if unknowable) and why."""

    attainment: float | None
    assumption: str


def project(
    *,
    bad_so_far: float,
    total_so_far: float,
    trailing_bad: float,
    trailing_total: float,
    rest_total: float,
) -> float | None:
    """Attainment % if the rest (`rest_total`) goes bad at the trailing ratio."""
    rest_bad = rest_total * trailing_bad / trailing_total if trailing_total > 0 else 0.0
    total = total_so_far + rest_total
    if total <= 0:
        return None
    return (total - bad_so_far - rest_bad) * 100.0 / total


def forecast_availability(
    source: WeightWindow,
    *,
    period: tuple[int, int],
    as_of: int,
    rest_scheduled_s: int,
) -> Forecast:
    """`source` gives downtime and measured seconds (an availability ledger, composed over
    a window reaching 28 days before `as_of`); `rest_scheduled_s` is the period's
    scheduled time still to come (`period_scheduled_s − scheduled_s`)."""
    bad, total, trailing_bad, trailing_total = _so_far_and_trailing(source, period, as_of)
    if as_of >= period[1]:
        return _final(bad, total)
    rate = trailing_bad / trailing_total if trailing_total > 0 else 0.0
    rest = max(rest_scheduled_s, 0)
    assumption = (
        f"Assumes the remaining {_duration(rest)} of scheduled time has downtime at the "
        f"trailing 28-day rate of {_percent_text(rate)}."
    )
    if trailing_total <= 0:
        assumption = (
            f"No scheduled time in the trailing 28 days; assumes the remaining "
            f"{_duration(rest)} of scheduled time has no downtime."
        )
    attainment = project(
        bad_so_far=bad,
        total_so_far=total,
        trailing_bad=trailing_bad,
        trailing_total=trailing_total,
        rest_total=rest,
    )
    return Forecast(attainment, assumption)


def forecast_timeslices(
    source: WeightWindow, *, period: tuple[int, int], as_of: int, rest_slices: int
) -> Forecast:
    """`source` gives bad and judged slices; `rest_slices` are the slices still to judge."""
    bad, total, trailing_bad, trailing_total = _so_far_and_trailing(source, period, as_of)
    if as_of >= period[1]:
        return _final(bad, total)
    rate = trailing_bad / trailing_total if trailing_total > 0 else 0.0
    assumption = (
        f"Assumes {_percent_text(rate)} of the remaining {max(rest_slices, 0)} slices are bad, "
        f"the trailing 28-day share."
    )
    attainment = project(
        bad_so_far=bad,
        total_so_far=total,
        trailing_bad=trailing_bad,
        trailing_total=trailing_total,
        rest_total=max(rest_slices, 0),
    )
    return Forecast(attainment, assumption)


def forecast_events(
    source: WeightWindow, *, period: tuple[int, int], as_of: int, noun: str = "events"
) -> Forecast:
    """Ticket targets (`noun` = "clocks") and occurrence ratios (`noun` = "requests")."""
    bad, total, trailing_bad, trailing_total = _so_far_and_trailing(source, period, as_of)
    if as_of >= period[1]:
        return _final(bad, total)
    rest_s = period[1] - as_of
    rest_total = trailing_total * rest_s / TRAILING_S
    if trailing_total > 0:
        assumption = (
            f"Assumes the remaining {_duration(rest_s)} bring the trailing 28-day volume "
            f"({_count(trailing_total)} {noun} per 28 days, so {_count(rest_total)} more) "
            f"with its mix of {_percent_text(trailing_bad / trailing_total)} bad."
        )
    else:
        assumption = (
            f"No {noun} in the trailing 28 days; assumes the remaining {_duration(rest_s)} "
            f"bring none."
        )
    attainment = project(
        bad_so_far=bad,
        total_so_far=total,
        trailing_bad=trailing_bad,
        trailing_total=trailing_total,
        rest_total=rest_total,
    )
    return Forecast(attainment, assumption)


def _so_far_and_trailing(
    source: WeightWindow, period: tuple[int, int], as_of: int
) -> tuple[float, float, float, float]:
    start, end = period
    now = min(as_of, end)
    bad, total = source.window([start, as_of - TRAILING_S], [now, as_of])
    return float(bad[0]), float(total[0]), float(bad[1]), float(total[1])


def _final(bad: float, total: float) -> Forecast:
    attainment = (total - bad) * 100.0 / total if total > 0 else None
    return Forecast(attainment, "The period has ended; this is its final attainment.")


def _duration(seconds: float) -> str:
    whole = round(seconds)
    return format_duration(whole) if whole > 0 else "0s"


def _percent_text(fraction: float) -> str:
    return f"{fraction * 100:.3g} %"


def _count(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 else f"{value:.3g}"
