"""A target's status in a period (SEMANTICS §3, §6): met, at risk, breached or no data.

- no data: nothing counted (no clock, no event, no measured second, no judged slice);
- a finished period: met when attainment ≥ objective, else breached;
- a running period is breached when it can no longer meet the objective: for time
  budgets (availability, timeslices), when the bad time so far exceeds the whole
  period's budget. Event budgets (occurrences, ticket targets) are never breached before
  the period ends, since future events can still lift the ratio;
- a running period is at risk when it has consumed ≥ 75 % of its budget (configurable)
  or its forecast end-of-period attainment is below the objective; otherwise met.
"""

from __future__ import annotations

from enum import StrEnum

from accord.engine.budget import Budget

DEFAULT_AT_RISK_CONSUMED = 0.75


class Status(StrEnum):
    MET = "met"
    AT_RISK = "at_risk"
    BREACHED = "breached"
    NO_DATA = "no_data"


def period_status(
    *,
    attainment: float | None,
    objective: float,
    finished: bool,
    budget: Budget | None = None,
    time_based: bool = False,
    forecast: float | None = None,
    at_risk_consumed: float = DEFAULT_AT_RISK_CONSUMED,
) -> Status:
    """The status of one target in one period; `attainment` and `objective` in percent."""
    if attainment is None:
        return Status.NO_DATA
    if finished:
        return Status.MET if attainment >= objective else Status.BREACHED
    consumed = None if budget is None else budget.consumed
    if time_based and consumed is not None and consumed > 1:
        return Status.BREACHED
    if consumed is not None and consumed >= at_risk_consumed:
        return Status.AT_RISK
    if forecast is not None and forecast < objective:
        return Status.AT_RISK
    return Status.MET
