"""What the alert rules read: plain snapshots of evaluation results.

The rules never query the database and never compute service level maths; everything
they compare (elapsed percentages, warning and breach instants, consumed budget, the
forecast, burn rates and whether a burn-rate pair fires) comes from the evaluation,
which fills these from its results (see `accord.alerts.hooks`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from accord.engine.budget import BurnRateAlert

# Ticket clock statuses as the evaluation names them (engine ClockStatus, lower case);
# the evaluation's "at_risk" is an open clock past its at-risk share.
OPEN = "open"
AT_RISK = "at_risk"
MET = "met"
BREACHED = "breached"
EXCLUDED = "excluded"
RUNNING = frozenset({OPEN, AT_RISK})


@dataclass(frozen=True)
class WarningInstant:
    """One warning of a clock: at `percent` % of the threshold, or `lead_s` seconds of
    business time before the breach. `at` is None when it does not fall due (the clock
    stopped first, or it is excluded)."""

    at: datetime | None
    percent: float | None = None
    lead_s: int | None = None
    label: str = ""  # as the evaluation names it; else made from percent or lead


@dataclass(frozen=True)
class ClockInput:
    """One ticket clock (ticket × target) as evaluated at `as_of`."""

    agreement: str
    target: str
    ticket: str  # str(Ticket): "INC0001", or "source:INC0001" outside the default source
    status: str  # open | at_risk | met | breached | excluded
    running: bool  # not stopped at as_of
    threshold_s: int
    elapsed_s: int  # business seconds
    percent_elapsed: float
    breach_at: datetime | None  # predicted while running and unpaused, actual once breached
    warnings: tuple[WarningInstant, ...] = ()
    agreement_id: int | None = None


@dataclass(frozen=True)
class BurnRateInput:
    """One long/short window pair of the multi-window multi-burn-rate table, evaluated."""

    severity: str  # page | ticket
    long_window_s: int
    short_window_s: int
    factor: float
    long_burn: float | None
    short_burn: float | None
    firing: bool
    budget_percent: int | None = None  # share of the period's budget the pair guards

    @classmethod
    def from_engine(cls, alert: BurnRateAlert) -> BurnRateInput:
        """From `accord.engine.budget.evaluate_burn_rate_alerts`; `firing` is the engine's."""
        rule = alert.rule
        return cls(
            severity=rule.severity,
            long_window_s=rule.long_window_s,
            short_window_s=rule.short_window_s,
            budget_percent=rule.budget_percent,
            factor=rule.factor,
            long_burn=alert.long_burn,
            short_burn=alert.short_burn,
            firing=alert.firing,
        )


def burn_rate_inputs(alerts: Iterable[BurnRateAlert]) -> tuple[BurnRateInput, ...]:
    return tuple(BurnRateInput.from_engine(alert) for alert in alerts)


@dataclass(frozen=True)
class PeriodInput:
    """One target × subject × period as evaluated at `as_of`.

    `consumed` is the share of the error budget used (1.0 = all of it; may exceed 1),
    `forecast` the projected end-of-period attainment in percent, `status` the
    evaluation's verdict (met | at_risk | breached | no_data).
    """

    agreement: str
    target: str
    subject: str  # "" where the target is not per subject
    period_label: str
    period_start: datetime
    period_end: datetime
    finished: bool
    objective: float  # percent
    attainment: float | None
    status: str
    consumed: float | None = None
    forecast: float | None = None
    forecast_assumption: str = ""
    warn_at: tuple[float, ...] | None = None  # percent of budget consumed; None: 75
    burn_rates: tuple[BurnRateInput, ...] = field(default_factory=tuple)
    agreement_id: int | None = None
