"""Period results as people and programs read them: JSON, CSV and a terminal table.

Rows come from stored results or from figures computed in memory; both become `Row`.
The JSON objects have exactly the keys of issue 5: agreement, target, subject, period,
objective, attainment, status, counts, availability, budget, credit.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from accord.evaluation.figures import Figures
from accord.evaluation.models import PeriodResult
from accord.evaluation.results import figure_values


@dataclass(frozen=True)
class Row:
    agreement: str
    target: str
    metric: str
    subject: str | None
    period: str
    start: datetime
    end: datetime
    objective: float
    attainment: float | None
    status: str
    met: int | None
    breached: int | None
    open: int | None
    excluded: int | None
    scheduled_s: int | None
    downtime_s: float | None
    unknown_s: int | None
    good: float | None
    total: float | None
    no_data_slices: int | None
    consumed: float | None
    remaining: float | None
    forecast: float | None
    assumption: str
    credit_percent: float | None
    credit_amount: float | None
    currency: str
    firing: tuple[str, ...]
    final: bool
    stale: bool = False


def rows_from_results(results: Iterable[PeriodResult], subjects: Mapping[int, str]) -> list[Row]:
    return [_row(r.agreement.name, r, subjects) for r in results]


def rows_from_figures(
    agreement: str, figures: Iterable[Figures], subjects: Mapping[int, str]
) -> list[Row]:
    """Rows of figures computed in memory, through the fields they would be stored in."""
    return [_row(agreement, PeriodResult(**figure_values(f)), subjects) for f in figures]


def _row(agreement: str, r: PeriodResult, subjects: Mapping[int, str]) -> Row:
    return Row(
        agreement=agreement,
        target=r.target_name,
        metric=r.metric,
        subject=subjects.get(r.subject_id) if r.subject_id else None,
        period=r.period,
        start=r.period_start,
        end=r.period_end,
        objective=r.objective,
        attainment=r.attainment,
        status=r.status,
        met=r.met,
        breached=r.breached,
        open=r.open,
        excluded=r.excluded,
        scheduled_s=r.scheduled_s,
        downtime_s=r.downtime_s,
        unknown_s=r.unknown_s,
        good=r.good,
        total=r.total,
        no_data_slices=r.no_data_slices,
        consumed=r.budget_consumed,
        remaining=r.budget_remaining,
        forecast=r.forecast,
        assumption=r.forecast_assumption,
        credit_percent=r.credit_percent,
        credit_amount=r.credit_amount,
        currency=r.currency,
        firing=tuple((r.burn_rates or {}).get("firing", ())),
        final=r.final,
        stale=r.stale,
    )


def as_json(row: Row) -> dict[str, Any]:
    tickets = row.met is not None
    availability = row.scheduled_s is not None
    return {
        "agreement": row.agreement,
        "target": row.target,
        "subject": row.subject,
        "period": {
            "label": row.period,
            "start": _iso(row.start),
            "end": _iso(row.end),
        },
        "objective": row.objective,
        "attainment": row.attainment,
        "status": row.status,
        "counts": (
            {"met": row.met, "breached": row.breached, "open": row.open, "excluded": row.excluded}
            if tickets
            else None
        ),
        "availability": (
            {
                "scheduled_s": row.scheduled_s,
                "downtime_s": row.downtime_s,
                "unknown_s": row.unknown_s,
            }
            if availability
            else None
        ),
        "budget": {"consumed": row.consumed, "remaining": row.remaining},
        "credit": (
            {"percent": row.credit_percent, "amount": row.credit_amount, "currency": row.currency}
            if row.credit_amount is not None
            else None
        ),
    }


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


CSV_COLUMNS = (
    "agreement",
    "target",
    "subject",
    "period",
    "period_start",
    "period_end",
    "objective",
    "attainment",
    "status",
    "met",
    "breached",
    "open",
    "excluded",
    "scheduled_s",
    "downtime_s",
    "unknown_s",
    "good",
    "total",
    "budget_consumed",
    "budget_remaining",
    "forecast",
    "credit_percent",
    "credit_amount",
    "currency",
)


def as_csv(rows: Sequence[Row]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow(
            [
                row.agreement,
                row.target,
                row.subject or "",
                row.period,
                _iso(row.start),
                _iso(row.end),
                row.objective,
                *(_blank(v) for v in (row.attainment,)),
                row.status,
                *(
                    _blank(v)
                    for v in (
                        row.met,
                        row.breached,
                        row.open,
                        row.excluded,
                        row.scheduled_s,
                        row.downtime_s,
                        row.unknown_s,
                        row.good,
                        row.total,
                        row.consumed,
                        row.remaining,
                        row.forecast,
                        row.credit_percent,
                        row.credit_amount,
                    )
                ),
                row.currency,
            ]
        )
    return out.getvalue()


def _blank(value: object) -> object:
    return "" if value is None else value
