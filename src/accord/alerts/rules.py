"""Early-warning rules: evaluation snapshots in, alert drafts out (SEMANTICS §2, §6).

Plain functions without I/O. They decide *what* is worth an alert and how to name it
(the dedupe key); `services.record_alerts` decides whether it was already raised.

- ticket warnings at the target's `warnAt` percentages (default 50/75/100) and
  `warnBefore` lead times, for clocks still open; the instant is the engine's;
- ticket breach notices, once per clock and target;
- period at risk by consumed budget (each `warnAt` level, default 75 %) and by forecast;
- period breach notices;
- burn-rate page/ticket alerts per window pair, as an episode that must clear before
  it can alert again (its `condition` key).

Conditions that became true more than `max_age` before `as_of` are not raised: an
import of last year's tickets must not page anyone.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from accord.alerts import wording as say
from accord.alerts.inputs import BREACHED, RUNNING, ClockInput, PeriodInput, WarningInstant
from accord.alerts.models import Kind, Severity

DEFAULT_BUDGET_WARN_AT = (75.0,)
KEY_LENGTH = 255
ONE_SECOND = timedelta(seconds=1)


@dataclass(frozen=True)
class AlertDraft:
    """An alert the rules want raised; `condition` is set for alerts that stay open until
    an evaluation sees them clear (burn rates)."""

    kind: str
    severity: str
    dedupe_key: str
    agreement: str
    target: str
    message: str
    occurred_at: datetime
    figures: dict[str, Any]
    subject: str = ""
    ticket: str = ""
    period_label: str = ""
    period_start: datetime | None = None
    period_end: datetime | None = None
    condition: str = ""
    agreement_id: int | None = None


@dataclass
class RuleOutcome:
    """Alerts to raise, conditions seen clear, and the next instant worth waking up for."""

    alerts: list[AlertDraft] = field(default_factory=list)
    cleared: list[str] = field(default_factory=list)
    next_due: datetime | None = None

    def merge(self, other: RuleOutcome) -> None:
        self.alerts.extend(other.alerts)
        self.cleared.extend(other.cleared)
        if other.next_due is not None and (self.next_due is None or other.next_due < self.next_due):
            self.next_due = other.next_due


def dedupe_key(*parts: str) -> str:
    """`kind|agreement|target|…`, readable; hashed at the tail when names are very long."""
    key = "|".join(parts)
    if len(key) <= KEY_LENGTH:
        return key
    digest = hashlib.sha256(key.encode()).hexdigest()
    return f"{key[: KEY_LENGTH - 65]}#{digest}"


def evaluate_rules(
    *,
    clocks: Iterable[ClockInput] = (),
    periods: Iterable[PeriodInput] = (),
    as_of: datetime,
    max_age: timedelta,
) -> RuleOutcome:
    """Every rule over every snapshot."""
    outcome = RuleOutcome()
    for clock in clocks:
        outcome.merge(ticket_alerts(clock, as_of=as_of, max_age=max_age))
    for period in periods:
        outcome.merge(period_alerts(period, as_of=as_of, max_age=max_age))
    return outcome


# Tickets ---------------------------------------------------------------------------------


def warning_label(warning: WarningInstant) -> str:
    if warning.label:
        return warning.label
    if warning.lead_s is not None:
        return f"{say.duration(warning.lead_s)} before breach"
    return f"{warning.percent:g}%"


def ticket_alerts(clock: ClockInput, *, as_of: datetime, max_age: timedelta) -> RuleOutcome:
    """Warnings that fell due while the clock runs, the breach notice, and the next instant.

    Stored results of a running clock predict its breach instant; once `as_of` passes it
    without new data the clock has breached, and the notice goes out then. A breached
    clock gets only its breach notice: earlier warnings raised late would arrive with
    it and say nothing more.
    """
    outcome = RuleOutcome()
    if clock.status == BREACHED or _breach_passed(clock, as_of):
        if clock.breach_at is not None and timedelta(0) <= as_of - clock.breach_at <= max_age:
            outcome.alerts.append(_ticket_breach(clock, predicted=clock.status in RUNNING))
        return outcome
    if clock.status not in RUNNING or not clock.running:
        return outcome
    for warning in clock.warnings:
        if warning.at is None:
            continue
        if warning.at > as_of:
            outcome.next_due = _earliest(outcome.next_due, warning.at)
        elif as_of - warning.at <= max_age:
            outcome.alerts.append(_ticket_warning(clock, warning))
    if clock.breach_at is not None:
        # Elapsed equals the threshold at the breach instant and exceeds it a second later.
        outcome.next_due = _earliest(outcome.next_due, clock.breach_at + ONE_SECOND)
    return outcome


def _breach_passed(clock: ClockInput, as_of: datetime) -> bool:
    return (
        clock.status in RUNNING
        and clock.running
        and clock.breach_at is not None
        and clock.breach_at < as_of
    )


def _ticket_warning(clock: ClockInput, warning: WarningInstant) -> AlertDraft:
    assert warning.at is not None
    label = warning_label(warning)
    if warning.lead_s is not None:
        what = f"is {say.duration(warning.lead_s)} of business time from breaching"
    elif warning.percent is not None:
        what = f"has used {warning.percent:g} % of its {say.duration(clock.threshold_s)}"
    else:
        what = f"reached its {label} warning ({say.duration(clock.threshold_s)} allowed)"
    breach = f" (breach due {say.instant(clock.breach_at)})" if clock.breach_at else ""
    return AlertDraft(
        kind=Kind.TICKET_WARNING,
        severity=Severity.WARNING,
        dedupe_key=dedupe_key(
            Kind.TICKET_WARNING, clock.agreement, clock.target, clock.ticket, label
        ),
        agreement=clock.agreement,
        agreement_id=clock.agreement_id,
        target=clock.target,
        ticket=clock.ticket,
        occurred_at=warning.at,
        message=f"Ticket {clock.ticket} {what} under {clock.agreement}/{clock.target}{breach}.",
        figures={
            "warning": label,
            "warning_percent": warning.percent,
            "warning_lead_s": warning.lead_s,
            "warning_at": say.iso(warning.at),
            "percent_elapsed": say.number(clock.percent_elapsed),
            "elapsed_s": clock.elapsed_s,
            "threshold_s": clock.threshold_s,
            "breach_at": say.iso(clock.breach_at),
        },
    )


def _ticket_breach(clock: ClockInput, *, predicted: bool) -> AlertDraft:
    assert clock.breach_at is not None
    return AlertDraft(
        kind=Kind.TICKET_BREACH,
        severity=Severity.CRITICAL,
        dedupe_key=dedupe_key(Kind.TICKET_BREACH, clock.agreement, clock.target, clock.ticket),
        agreement=clock.agreement,
        agreement_id=clock.agreement_id,
        target=clock.target,
        ticket=clock.ticket,
        occurred_at=clock.breach_at,
        message=(
            f"Ticket {clock.ticket} breached {clock.agreement}/{clock.target} at "
            f"{say.instant(clock.breach_at)}: more than {say.duration(clock.threshold_s)} elapsed."
        ),
        figures={
            "percent_elapsed": say.number(clock.percent_elapsed),
            "elapsed_s": clock.elapsed_s,
            "threshold_s": clock.threshold_s,
            "breach_at": say.iso(clock.breach_at),
            "running": clock.running,
            # True: no evaluation has seen the breach yet; the last one predicted it.
            "predicted": predicted,
        },
    )


# Periods ---------------------------------------------------------------------------------


def period_alerts(period: PeriodInput, *, as_of: datetime, max_age: timedelta) -> RuleOutcome:
    outcome = RuleOutcome()
    if period.status == BREACHED:
        breach = _period_breach(period, as_of=as_of)
        if as_of - breach.occurred_at <= max_age:
            outcome.alerts.append(breach)
    if period.finished:
        return outcome
    if period.status != BREACHED:
        outcome.alerts.extend(_budget_at_risk(period, as_of=as_of))
        forecast = _forecast_at_risk(period, as_of=as_of)
        if forecast is not None:
            outcome.alerts.append(forecast)
    burn_alerts, cleared = _burn_rates(period, as_of=as_of)
    outcome.alerts.extend(burn_alerts)
    outcome.cleared.extend(cleared)
    return outcome


def _period_draft(period: PeriodInput, kind: str, *key_tail: str, **fields: Any) -> AlertDraft:
    base = (period.agreement, period.target, period.subject, period.period_label)
    fields.setdefault("dedupe_key", dedupe_key(kind, *base, *key_tail))
    return AlertDraft(
        kind=kind,
        agreement=period.agreement,
        agreement_id=period.agreement_id,
        target=period.target,
        subject=period.subject,
        period_label=period.period_label,
        period_start=period.period_start,
        period_end=period.period_end,
        **fields,
    )


def _period_breach(period: PeriodInput, *, as_of: datetime) -> AlertDraft:
    # A finished period breached when it ended; a running one when an evaluation first
    # saw that it can no longer meet its objective.
    occurred = period.period_end if period.finished else as_of
    if period.finished:
        attained = say.percent(period.attainment)
        why = f"ended at {attained} against an objective of {period.objective:g} %"
    else:
        why = f"can no longer meet its {period.objective:g} % objective: {say.consumed(period)}"
    return _period_draft(
        period,
        Kind.PERIOD_BREACH,
        severity=Severity.CRITICAL,
        occurred_at=occurred,
        message=f"{say.where(period)} {why}.",
        figures=_period_figures(period),
    )


def _budget_at_risk(period: PeriodInput, *, as_of: datetime) -> Iterator[AlertDraft]:
    if period.consumed is None:
        return
    for level in period.warn_at or DEFAULT_BUDGET_WARN_AT:
        if period.consumed * 100 < level:
            continue
        yield _period_draft(
            period,
            Kind.PERIOD_AT_RISK,
            f"budget>={level:g}%",
            severity=Severity.WARNING,
            occurred_at=as_of,
            message=(
                f"{say.where(period)} is at risk: {say.consumed(period)} "
                f"(warning level {level:g} %)."
            ),
            figures={**_period_figures(period), "level_percent": level},
        )


def _forecast_at_risk(period: PeriodInput, *, as_of: datetime) -> AlertDraft | None:
    if period.forecast is None or period.forecast >= period.objective:
        return None
    assumption = f" {period.forecast_assumption}" if period.forecast_assumption else ""
    return _period_draft(
        period,
        Kind.FORECAST_AT_RISK,
        severity=Severity.WARNING,
        occurred_at=as_of,
        message=(
            f"{say.where(period)} is forecast to end at {say.percent(period.forecast)}, below its "
            f"{period.objective:g} % objective.{assumption}"
        ),
        figures=_period_figures(period),
    )


def burn_condition(period: PeriodInput, severity: str, long_s: int, short_s: int) -> str:
    """One burn-rate episode's identity. The period is left out on purpose: a burn that
    runs across the turn of the month is one episode, not two."""
    kind = Kind.BURN_RATE_PAGE if severity == "page" else Kind.BURN_RATE_TICKET
    windows = f"{say.duration(long_s)}/{say.duration(short_s)}"
    return dedupe_key(kind, period.agreement, period.target, period.subject, windows)


def _burn_rates(period: PeriodInput, *, as_of: datetime) -> tuple[list[AlertDraft], list[str]]:
    alerts: list[AlertDraft] = []
    cleared: list[str] = []
    for pair in period.burn_rates:
        condition = burn_condition(period, pair.severity, pair.long_window_s, pair.short_window_s)
        if not pair.firing:
            cleared.append(condition)
            continue
        page = pair.severity == "page"
        guards = "" if pair.budget_percent is None else f", {pair.budget_percent} % of the budget"
        long_w, short_w = say.duration(pair.long_window_s), say.duration(pair.short_window_s)
        draft = _period_draft(
            period,
            Kind.BURN_RATE_PAGE if page else Kind.BURN_RATE_TICKET,
            # One event per episode: the key carries the instant it was first seen.
            dedupe_key=dedupe_key(condition, as_of.isoformat()),
            condition=condition,
            severity=Severity.CRITICAL if page else Severity.WARNING,
            occurred_at=as_of,
            message=(
                f"{say.where(period)} is burning its error budget at "
                f"{say.rate(pair.long_burn)} over {long_w} and {say.rate(pair.short_burn)} "
                f"over {short_w} (alert above "
                f"{pair.factor:g}×{guards})."
            ),
            figures={
                **_period_figures(period),
                "long_window_s": pair.long_window_s,
                "short_window_s": pair.short_window_s,
                "long_burn": say.number(pair.long_burn),
                "short_burn": say.number(pair.short_burn),
                "factor": pair.factor,
                "budget_percent": pair.budget_percent,
            },
        )
        alerts.append(draft)
    return alerts, cleared


def _period_figures(period: PeriodInput) -> dict[str, Any]:
    consumed = period.consumed
    return {
        "objective": period.objective,
        "attainment": say.number(period.attainment),
        "consumed": say.number(consumed),
        "remaining": None if consumed is None else say.number(1 - consumed),
        "forecast": say.number(period.forecast),
        "forecast_assumption": period.forecast_assumption,
        "status": period.status,
        "finished": period.finished,
    }


def _earliest(current: datetime | None, candidate: datetime) -> datetime:
    return candidate if current is None or candidate < current else current
