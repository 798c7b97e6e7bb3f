"""Error budgets, burn rates and multi-window multi-burn-rate alerts (SEMANTICS §6).

One form serves every target kind: a `WeightWindow` (see `ledger`) says how much bad and
total weight fell in any window [a, b) — downtime and measured seconds for availability,
bad and all events for ratio SLIs, bad and judged slices for timeslices, breached and
counted clocks for ticket targets.

- error budget EB = 1 − objective (as a fraction);
- consumed, time-based (availability, timeslices): bad so far / (EB × the whole period's
  scheduled time or slices) — a running month's budget is the month's;
- consumed, event-based (occurrences, ticket targets): bad so far / (EB × events so far);
- burn rate over w = error ratio over w / EB;
- an alert pair fires when both its long and its short window burn faster than its factor;
  for a period P the factor is budget_fraction × P / long_window (2 %, 5 %, 10 %, 10 %),
  which gives 14.4, 6, 3 and 1 for 30 days.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import numpy.typing as npt

from accord.engine.intervals import FloatArray, as_int_array
from accord.engine.ledger import WeightWindow

HOUR = 3_600
DAY = 86_400
THIRTY_DAYS = 30 * DAY


def exact_error_budget(objective: float) -> Fraction:
    """EB as an exact fraction: objectives are written in decimal, and 100 − 99.9 in
    binary floating point is 0.0999…943, which would put a period spending exactly its
    budget a hair over it."""
    if not 0 <= objective <= 100:
        raise ValueError(f"an objective is a percentage in [0, 100], got {objective}")
    return (100 - Fraction(repr(float(objective)))) / 100


def error_budget(objective: float) -> float:
    """EB as a fraction, from an objective in percent (99.9 → 0.001)."""
    return float(exact_error_budget(objective))


def share_of_budget(bad: float, basis: float, objective: float) -> float:
    """bad / (EB × basis), exact at the boundary: spending the whole budget gives 1.0."""
    budget = exact_error_budget(objective)
    if budget == 0:
        return math.inf if bad > 0 else 0.0
    return bad * budget.denominator / (budget.numerator * basis)


@dataclass(frozen=True)
class Budget:
    """The error budget of a target in a period, and how much of it is used."""

    objective: float  # percent
    bad: float  # so far
    total: float  # so far
    basis: float  # what the budget is a share of: the whole period (time) or events so far

    @property
    def error_budget(self) -> float:
        return error_budget(self.objective)

    @property
    def error_ratio(self) -> float | None:
        return self.bad / self.total if self.total > 0 else None

    @property
    def consumed(self) -> float | None:
        """Share of the budget used; may exceed 1. None without a basis."""
        if self.basis <= 0:
            return None
        return share_of_budget(self.bad, self.basis, self.objective)

    @property
    def remaining(self) -> float | None:
        consumed = self.consumed
        return None if consumed is None else 1.0 - consumed


def time_budget(*, objective: float, bad: float, total: float, period_total: float) -> Budget:
    """Availability and timeslices: the budget is a share of the whole period's scheduled
    time (or slices), known in advance."""
    return Budget(objective, bad, total, period_total)


def event_budget(*, objective: float, bad: float, total: float) -> Budget:
    """Occurrences and ticket targets: the period's total is unknown until it ends, so the
    budget is a share of the events so far."""
    return Budget(objective, bad, total, total)


def burn_rates(
    source: WeightWindow, *, objective: float, starts: npt.ArrayLike, ends: npt.ArrayLike
) -> FloatArray:
    """Error ratio / EB over each window; NaN where a window holds no weight."""
    bad, total = source.window(starts, ends)
    budget = exact_error_budget(objective)
    with np.errstate(divide="ignore", invalid="ignore"):
        if budget == 0:
            return np.where(total > 0, np.where(bad > 0, np.inf, 0.0), np.nan)
        rate = bad * budget.denominator / (budget.numerator * total)
        return np.where(total > 0, rate, np.nan)


def burn_rate(source: WeightWindow, *, objective: float, start: int, end: int) -> float | None:
    """The burn rate over one window [start, end); None if nothing happened in it."""
    value = float(burn_rates(source, objective=objective, starts=[start], ends=[end])[0])
    return None if math.isnan(value) else value


@dataclass(frozen=True)
class BurnRateRule:
    """One pair of the multi-window multi-burn-rate table."""

    severity: str  # page | ticket
    long_window_s: int
    short_window_s: int
    budget_percent: int  # share of the period's budget this pair guards
    factor: float


# (severity, long window, short window, percent of the budget) — SEMANTICS §6.
DEFAULT_PAIRS = (
    ("page", HOUR, 5 * 60, 2),
    ("page", 6 * HOUR, 30 * 60, 5),
    ("ticket", DAY, 2 * HOUR, 10),
    ("ticket", 3 * DAY, 6 * HOUR, 10),
)


def burn_rate_rules(period_s: int = THIRTY_DAYS) -> tuple[BurnRateRule, ...]:
    """The table for a period of `period_s`: factor = budget share × P / long window."""
    if period_s <= 0:
        raise ValueError("a period must be positive")
    return tuple(
        # Integer percent first, so 30 days gives exactly 14.4, 6, 3 and 1.
        BurnRateRule(severity, long_s, short_s, percent, percent * period_s / (100 * long_s))
        for severity, long_s, short_s, percent in DEFAULT_PAIRS
    )


@dataclass(frozen=True)
class BurnRateAlert:
    """A rule evaluated at `as_of`: the burn over both windows, and whether it fires."""

    rule: BurnRateRule
    long_burn: float | None
    short_burn: float | None

    @property
    def firing(self) -> bool:
        factor = self.rule.factor
        return (
            self.long_burn is not None
            and self.short_burn is not None
            and self.long_burn > factor
            and self.short_burn > factor
        )


def evaluate_burn_rate_alerts(
    source: WeightWindow,
    *,
    objective: float,
    as_of: int,
    rules: tuple[BurnRateRule, ...] | None = None,
) -> tuple[BurnRateAlert, ...]:
    """Every rule's long and short window, ending at `as_of`, in one vectorised query."""
    table = burn_rate_rules() if rules is None else rules
    lengths = [w for rule in table for w in (rule.long_window_s, rule.short_window_s)]
    ends = as_int_array([as_of] * len(lengths))
    rates = burn_rates(source, objective=objective, starts=ends - lengths, ends=ends)
    values = [None if math.isnan(r) else float(r) for r in rates.tolist()]
    return tuple(
        BurnRateAlert(rule, values[2 * i], values[2 * i + 1]) for i, rule in enumerate(table)
    )


def firing_severities(alerts: tuple[BurnRateAlert, ...]) -> tuple[str, ...]:
    """Severities with at least one firing pair, most urgent first."""
    firing = {alert.rule.severity for alert in alerts if alert.firing}
    return tuple(severity for severity in ("page", "ticket") if severity in firing)
