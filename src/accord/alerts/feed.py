"""Feeding the alert rules from the evaluation's stored results.

`on_evaluation` is registered in the evaluation's `on_evaluated` hook list: after each
written evaluation it reads, through `accord.evaluation.queries`, the agreement's clocks
with a warning or breach from `ACCORD_ALERT_MAX_AGE` ago on (future ones included, to
schedule the next), and the period results just written, and hands them to
`raise_alerts`. `open_clocks` serves the `ticket-warnings` job the same for every
agreement: the stored instants stay right until new data arrives.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings

from accord.agreements.models import Agreement, Target
from accord.agreements.services import effective_targets
from accord.alerts.inputs import BurnRateInput, ClockInput, PeriodInput, WarningInstant
from accord.alerts.services import raise_alerts
from accord.engine.budget import DEFAULT_PAIRS
from accord.engine.parsing import parse_duration
from accord.evaluation.models import ClockResult, ClockStatus, PeriodResult
from accord.evaluation.queries import EvaluationSummary, breaches_in, warnings_due

STATUS = {
    ClockStatus.OPEN: "open",
    ClockStatus.AT_RISK: "at_risk",
    ClockStatus.MET: "met",
    ClockStatus.BREACHED: "breached",
    ClockStatus.EXCLUDED: "excluded",
}
FOREVER = datetime(9999, 1, 1, tzinfo=UTC)
TICKET_METRICS = (Target.Metric.RESPONSE, Target.Metric.RESOLUTION)
LEAD_SUFFIX = " before breach"
# The share of the budget each pair of the table guards, to say so in the message.
BUDGET_PERCENT = {(sev, long_s, short_s): pct for sev, long_s, short_s, pct in DEFAULT_PAIRS}


def on_evaluation(summary: EvaluationSummary) -> None:
    max_age = timedelta(seconds=settings.ACCORD_ALERT_MAX_AGE)
    agreement = Agreement.objects.get(pk=summary.agreement_id)
    raise_alerts(
        clocks=clocks_to_check(since=summary.as_of - max_age, agreement=agreement),
        periods=period_inputs(
            [change.result_id for change in summary.results], as_of=summary.as_of
        ),
        as_of=summary.as_of,
        max_age=max_age,
    )


def open_clocks(as_of: datetime) -> list[ClockInput]:
    """For the `ticket-warnings` job: every agreement's clocks with something to raise."""
    return clocks_to_check(since=as_of - timedelta(seconds=settings.ACCORD_ALERT_MAX_AGE))


def clocks_to_check(*, since: datetime, agreement: Agreement | None = None) -> list[ClockInput]:
    """Clocks with a warning or a breach (past or predicted) from `since` on, through the
    evaluation's read API. Others have nothing left to raise or to schedule."""
    rows: dict[int, ClockResult] = {}
    for warning in warnings_due(since, FOREVER, agreement=agreement):
        rows.setdefault(warning.clock.pk, warning.clock)
    for clock in breaches_in(since, FOREVER, agreement=agreement):
        rows.setdefault(clock.pk, clock)
    ids = {row.agreement_id for row in rows.values()}
    names = dict(Agreement.objects.filter(pk__in=ids).values_list("pk", "name"))
    return [clock_input(row, names[row.agreement_id]) for _, row in sorted(rows.items())]


def clock_input(row: ClockResult, agreement: str) -> ClockInput:
    return ClockInput(
        agreement=agreement,
        agreement_id=row.agreement_id,
        target=row.target_name,
        ticket=str(row.ticket),
        status=STATUS[ClockStatus(row.status)],
        running=row.stopped_at is None,
        threshold_s=row.threshold_s,
        elapsed_s=row.business_elapsed_s,
        percent_elapsed=row.percent_elapsed,
        breach_at=row.breach_at,
        warnings=warning_instants(row.warnings),
    )


def warning_instants(stored: Any) -> tuple[WarningInstant, ...]:
    """From `[{"label": "75%" | "30m before breach", "at": ISO-8601}, ...]`."""
    items = json.loads(stored) if isinstance(stored, str) else stored or []
    found = []
    for item in items:
        label, at = item["label"], datetime.fromisoformat(item["at"])
        percent = float(label[:-1]) if label.endswith("%") else None
        lead = parse_duration(label[: -len(LEAD_SUFFIX)]) if label.endswith(LEAD_SUFFIX) else None
        found.append(WarningInstant(at=at, percent=percent, lead_s=lead, label=label))
    return tuple(found)


def period_inputs(result_ids: Iterable[int], *, as_of: datetime) -> list[PeriodInput]:
    rows = list(
        PeriodResult.objects.filter(pk__in=list(result_ids)).select_related("agreement", "subject")
    )
    warn_at = _budget_warn_levels({row.agreement for row in rows}, as_of=as_of)
    return [
        PeriodInput(
            agreement=row.agreement.name,
            agreement_id=row.agreement_id,
            target=row.target_name,
            subject=row.subject.name if row.subject else "",
            period_label=row.period,
            period_start=row.period_start,
            period_end=row.period_end,
            finished=row.final,
            objective=row.objective,
            attainment=row.attainment,
            status=row.status,
            consumed=row.budget_consumed,
            forecast=row.forecast,
            forecast_assumption=row.forecast_assumption,
            warn_at=warn_at.get((row.agreement_id, row.target_name)),
            burn_rates=burn_rate_pairs(row.burn_rates),
        )
        for row in rows
    ]


def _budget_warn_levels(
    agreements: set[Agreement], *, as_of: datetime
) -> dict[tuple[int, str], tuple[float, ...]]:
    """`warnAt` of budget targets in force at `as_of`. A ticket target's `warnAt` is about
    elapsed time on each clock, not the period's budget, so it does not apply here."""
    levels = {}
    for agreement in agreements:
        for effective in effective_targets(agreement, as_of):
            target = effective.target
            if target.warn_at and target.metric not in TICKET_METRICS:
                levels[(agreement.pk, target.name)] = tuple(float(v) for v in target.warn_at)
    return levels


def burn_rate_pairs(stored: Any) -> tuple[BurnRateInput, ...]:
    """From the evaluation's table `{"rules": [{"severity", "long": "1h", "short": "5m",
    "factor", "long_burn", "short_burn", "firing"}, ...], "firing": [...]}`."""
    if not stored:
        return ()
    pairs = []
    for rule in stored.get("rules", []):
        long_s, short_s = parse_duration(rule["long"]), parse_duration(rule["short"])
        pairs.append(
            BurnRateInput(
                severity=rule["severity"],
                long_window_s=long_s,
                short_window_s=short_s,
                factor=float(rule["factor"]),
                long_burn=_burn(rule.get("long_burn")),
                short_burn=_burn(rule.get("short_burn")),
                firing=bool(rule["firing"]),
                budget_percent=BUDGET_PERCENT.get((rule["severity"], long_s, short_s)),
            )
        )
    return tuple(pairs)


def _burn(value: Any) -> float | None:
    return None if value is None else float(value)  # float("inf") reads "inf" and "Infinity"
