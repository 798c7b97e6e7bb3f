"""Period figures common to every target kind: budget, burn rates, forecast, status, and
the agreement's credits (SEMANTICS §6–§8), all from the engine."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from accord.engine.budget import Budget, burn_rate_rules, evaluate_burn_rate_alerts
from accord.engine.credits import CreditBand, agreement_credit
from accord.engine.forecast import Forecast
from accord.engine.ledger import WeightWindow
from accord.engine.parsing import format_duration
from accord.engine.periods import Period
from accord.engine.status import period_status
from accord.evaluation.scope import Scope, Segment, TargetTerms


@dataclass
class Figures:
    """One target, one period, one subject (availability) or the whole scope (None)."""

    target_name: str
    metric: str
    subject_id: int | None
    period: Period
    objective: float
    final: bool
    attainment: float | None = None
    status: str = "no_data"
    met: int | None = None
    breached: int | None = None
    open: int | None = None
    excluded: int | None = None
    scheduled_s: int | None = None
    downtime_s: float | None = None
    unknown_s: int | None = None
    good: float | None = None
    total: float | None = None
    no_data_slices: int | None = None
    budget_consumed: float | None = None
    budget_remaining: float | None = None
    burn_rates: dict[str, Any] | None = None
    forecast: float | None = None
    forecast_assumption: str = ""
    credit_percent: float | None = None
    credit_amount: float | None = None
    currency: str = ""
    bands: tuple[CreditBand, ...] = field(default=(), repr=False)
    charge: float | None = field(default=None, repr=False)
    cap: float | None = field(default=None, repr=False)
    credit_eligible: bool = field(default=True, repr=False)  # False: a change's window


def start_figures(
    scope: Scope, name: str, metric: str, period: Period, as_of: int, subject: int | None = None
) -> Figures | None:
    """Figures with the period-level terms filled in; None if the target has none then
    (or, in a temporary change's window, if the change does not override it)."""
    found = scope.terms_for_period(name, period)
    window = scope.windows.get(period.label)
    if found is None or (window is not None and name not in window[2]):
        return None
    terms, segment = found
    return Figures(
        target_name=name,
        metric=metric,
        subject_id=subject,
        period=period,
        objective=window[2][name] if window else float(terms.target.objective),
        credit_eligible=window is None,
        # A rolling window always ends at as_of: it is never final.
        final=period.end <= as_of and scope.period_spec.kind != "rolling",
        bands=_bands(terms),
        **_charges(segment),
    )


def _bands(terms: TargetTerms) -> tuple[CreditBand, ...]:
    return tuple(
        CreditBand(float(b["below"]), float(b["percent"])) for b in terms.target.credits or []
    )


def _charges(segment: Segment) -> dict[str, Any]:
    version = segment.version
    charge = version.charges_per_period
    return {
        "charge": None if charge is None else float(charge),
        "cap": None if version.credit_cap is None else float(version.credit_cap),
        "currency": version.currency,
    }


def conclude(
    figures: Figures,
    *,
    budget: Budget,
    ledger: WeightWindow,
    forecast: Forecast,
    as_of: int,
    time_based: bool,
    nominal_s: int,
) -> Figures:
    """Budget, forecast, burn rates (running period only) and status."""
    consumed = budget.consumed
    figures.budget_consumed = consumed
    figures.budget_remaining = budget.remaining
    figures.forecast = forecast.attainment
    figures.forecast_assumption = forecast.assumption
    running = figures.period.start <= as_of < figures.period.end
    if running:
        figures.burn_rates = burn_table(ledger, figures.objective, as_of, nominal_s)
    figures.status = period_status(
        attainment=figures.attainment,
        objective=figures.objective,
        finished=figures.final,
        budget=budget,
        time_based=time_based,
        forecast=forecast.attainment,
    ).value
    return figures


def burn_table(
    ledger: WeightWindow, objective: float, as_of: int, nominal_s: int
) -> dict[str, Any]:
    """The multi-window multi-burn-rate table at `as_of` (§6), as stored and shown."""
    alerts = evaluate_burn_rate_alerts(
        ledger, objective=objective, as_of=as_of, rules=burn_rate_rules(nominal_s)
    )
    rules = [
        {
            "severity": a.rule.severity,
            "long": format_duration(a.rule.long_window_s),
            "short": format_duration(a.rule.short_window_s),
            "factor": a.rule.factor,
            "long_burn": _finite(a.long_burn),
            "short_burn": _finite(a.short_burn),
            "firing": a.firing,
        }
        for a in alerts
    ]
    firing = [
        severity
        for severity in ("page", "ticket")
        if any(r["firing"] and r["severity"] == severity for r in rules)
    ]
    return {"rules": rules, "firing": firing}


def _finite(value: float | None) -> float | None:
    """JSON has no infinity: a 100 % objective burns ∞ on any bad event; stored as null
    (the `firing` flag still says so)."""
    return None if value is None or math.isinf(value) else value


def apply_credits(figures: Sequence[Figures]) -> None:
    """Credits of every period: bands per target (and subject), summed per agreement
    period, capped; a binding cap scales each target's amount down in proportion."""
    by_period: dict[str, list[Figures]] = defaultdict(list)
    for item in figures:
        by_period[item.period.label].append(item)
    for items in by_period.values():
        earning = [f for f in items if f.bands and f.charge is not None and f.credit_eligible]
        if not earning:
            continue
        charge = earning[0].charge or 0.0
        credit = agreement_credit(
            [f.attainment for f in earning],
            [f.bands for f in earning],
            charge=charge,
            cap_percent=earning[0].cap,
        )
        scale = credit.total / credit.uncapped if credit.capped and credit.uncapped else 1.0
        for item, amount in zip(earning, credit.by_target, strict=True):
            item.credit_amount = amount * scale
            item.credit_percent = item.credit_amount * 100.0 / charge if charge else 0.0
