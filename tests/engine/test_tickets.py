"""Ticket targets per period (SEMANTICS §3)."""

from __future__ import annotations

import math

from accord.engine.tickets import ticket_attainment

FEB, MAR, APR = 0, 100, 200


def test_met_count_at_stop_breached_at_breach_open_left_out() -> None:
    result = ticket_attainment(
        met_at=[10, 20, 30, 110, 120],  # three met in February, two in March
        breached_at=[90, 150],  # one breach in each, whether or not the ticket has stopped
        open_since=[50, 180],  # running, not yet breached
        periods=([FEB, MAR], [MAR, APR]),
    )
    assert result.met.tolist() == [3, 2] and result.breached.tolist() == [1, 1]
    assert result.open.tolist() == [1, 2]
    assert result.percent(0) == 75.0
    assert result.attainment[1] == 2 * 100 / 3


def test_a_breach_counts_where_it_breached_not_where_the_ticket_was_resolved() -> None:
    # Breached on day 90 (February), resolved on day 150 (March): the stop is irrelevant,
    # so resolving it late never moves February and never shows up in March.
    result = ticket_attainment(met_at=[10], breached_at=[90], periods=([FEB, MAR], [MAR, APR]))
    assert result.breached.tolist() == [1, 0] and result.percent(0) == 50.0
    assert result.percent(1) is None


def test_no_clock_counted_is_no_data() -> None:
    result = ticket_attainment(met_at=[], breached_at=[], open_since=[5], periods=([0], [10]))
    assert result.percent() is None and math.isnan(result.attainment[0])
    assert result.open.tolist() == [1]
