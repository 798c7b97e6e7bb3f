"""Where the alerts meet the evaluation.

The evaluation calls `raise_alerts` after each evaluation (through its `on_evaluated`
hook list, wired by `connect`), and the `ticket-warnings` job asks `open_clocks` for
the stored results of the clocks still running.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from accord.alerts.inputs import ClockInput

OpenClocks = Callable[[datetime], Iterable[ClockInput]]
_open_clock_sources: list[OpenClocks] = []


def provide_open_clocks(source: OpenClocks) -> OpenClocks:
    """Register a function that returns the running clocks as evaluated last, with their
    warning and breach instants (which stay right until new data arrives)."""
    if source not in _open_clock_sources:
        _open_clock_sources.append(source)
    return source


def open_clocks(*, as_of: datetime) -> list[ClockInput]:
    return [clock for source in _open_clock_sources for clock in source(as_of)]


def connect() -> None:
    """Attach the alert rules to the evaluation (called from `AlertsConfig.ready`)."""
    from accord.alerts import feed
    from accord.evaluation.queries import on_evaluated

    if feed.on_evaluation not in on_evaluated:
        on_evaluated.append(feed.on_evaluation)
    provide_open_clocks(feed.open_clocks)
