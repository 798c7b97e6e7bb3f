"""Synthetic service-desk data for bench/evaluate.py, written straight to the tables.

A year of tickets on one service, opened at random (more on weekdays and in office
hours), priorities 1–4 at 5/15/50/30 %; each is answered after a few minutes to hours,
a fifth wait for the customer for a while, and they are resolved after hours to days
and closed three days later. 1 % are cancelled unanswered, and the tickets of the last
days are still open. Histories are 4 events (new, in-progress, resolved, closed), 6 with
a wait, 2 for a cancelled ticket. Deterministic for a seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from django.db import connection

from accord.measurements.history import encode_histories

DAY = 86_400
STATES = ("new", "in-progress", "awaiting-customer", "resolved", "closed", "cancelled")


@dataclass(frozen=True)
class Generated:
    tickets: int
    events: int


def generate(
    count: int,
    *,
    service_id: int,
    end: int,
    seed: int = 7,
    first_id: int = 0,
    span: int = 365 * DAY,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """(ticket columns, event columns) of `count` tickets opened within `span` before `end`."""
    rng = np.random.default_rng(seed)
    opened = np.sort(end - rng.integers(60, span, count)).astype(np.int64)
    priority = rng.choice(np.array(["1", "2", "3", "4"]), count, p=[0.05, 0.15, 0.5, 0.3])
    answered = opened + rng.exponential(1800, count).astype(np.int64) + 60
    waits = rng.random(count) < 0.2
    wait_start = answered + rng.exponential(3600, count).astype(np.int64) + 60
    wait_end = wait_start + rng.exponential(8 * 3600, count).astype(np.int64) + 60
    after = np.where(waits, wait_end, answered)
    resolved = after + rng.exponential(20 * 3600, count).astype(np.int64) + 60
    closed = resolved + 3 * DAY
    cancelled = rng.random(count) < 0.01
    still_open = resolved > end
    state = np.where(still_open, "in-progress", np.where(closed > end, "resolved", "closed"))
    state = np.where(cancelled, "cancelled", state)
    none = np.full(count, -1, np.int64)
    tickets = {
        "id": np.arange(first_id + 1, first_id + count + 1, dtype=np.int64),
        "external_id": np.char.add("B", (first_id + 1 + np.arange(count)).astype(str)),
        "service_id": np.full(count, service_id, np.int64),
        "priority": priority,
        "state": state,
        "opened_at": opened,
        "responded_at": np.where(cancelled | (answered > end), none, answered),
        "resolved_at": np.where(cancelled | still_open, none, resolved),
        "closed_at": np.where(cancelled | (closed > end), none, closed),
    }
    return tickets, _events(tickets, cancelled, waits, answered, wait_start, wait_end, end)


def _events(tickets, cancelled, waits, answered, wait_start, wait_end, end):  # type: ignore[no-untyped-def]
    count = tickets["id"].size
    columns = [
        (np.ones(count, bool), tickets["opened_at"], "new"),
        (~cancelled, answered, "in-progress"),
        (~cancelled & waits, wait_start, "awaiting-customer"),
        (~cancelled & waits, wait_end, "in-progress"),
        (~cancelled, tickets["resolved_at"], "resolved"),
        (~cancelled, tickets["closed_at"], "closed"),
        (cancelled, tickets["opened_at"] + 600, "cancelled"),
    ]
    owner, at, state, rank = [], [], [], []
    for position, (keep, instants, name) in enumerate(columns):
        chosen = keep & (instants >= 0) & (instants <= end)
        owner.append(tickets["id"][chosen])
        at.append(instants[chosen])
        state.append(np.full(int(chosen.sum()), name))
        rank.append(np.full(int(chosen.sum()), position))
    owners, ats, states, ranks = (np.concatenate(c) for c in (owner, at, state, rank))
    order = np.lexsort((ranks, owners))
    owners, ats, states = owners[order], ats[order], states[order]
    starts = np.r_[0, np.flatnonzero(owners[1:] != owners[:-1]) + 1]
    seq = np.arange(owners.size) - np.repeat(starts, np.diff(np.r_[starts, owners.size]))
    return {"ticket_id": owners, "seq": seq, "at": ats, "state": states}


def _text(instants: np.ndarray, *, utc: bool = False) -> list[str | None]:
    """Epoch seconds → the UTC text Django stores on SQLite (NULL for -1); `utc`: the
    same on PostgreSQL (for histories, which hold UTC text on both)."""
    text = np.datetime_as_string(instants.astype("datetime64[s]"), unit="s")
    values = np.char.replace(text, "T", " ").astype(object)
    if connection.vendor == "postgresql" and not utc:
        values = values + "+00"
    values[instants < 0] = None
    return values.tolist()  # type: ignore[no-any-return]


def write(
    tickets: dict[str, np.ndarray], events: dict[str, np.ndarray], now_text: str
) -> Generated:
    """Insert the rows (ids given) with COPY on PostgreSQL, multi-row VALUES on SQLite."""
    n = tickets["id"].size
    ticket_rows = list(
        zip(
            tickets["id"].tolist(),
            ["default"] * n,
            tickets["external_id"].tolist(),
            tickets["service_id"].tolist(),
            tickets["priority"].tolist(),
            tickets["state"].tolist(),
            *(_text(tickets[c]) for c in ("opened_at", "responded_at", "resolved_at", "closed_at")),
            ["{}"] * n,
            [now_text] * n,
            strict=True,
        )
    )
    ticket_columns = (
        "id, source, external_id, service_id, priority, state, opened_at, responded_at,"
        " resolved_at, closed_at, attributes, updated_at"
    )
    _insert("measurements_ticket", ticket_columns, ticket_rows)
    m = events["ticket_id"].size
    owners = events["ticket_id"]  # in order, each ticket's events together
    starts = np.r_[0, np.flatnonzero(owners[1:] != owners[:-1]) + 1]
    instants = _text(events["at"], utc=True)
    sizes, texts, states, priorities, _ = encode_histories(
        starts.tolist(),
        instants,
        events["state"].tolist(),
        [""] * m,
        [{}] * m,  # type: ignore[arg-type]
    )
    n_histories = len(sizes)
    history_rows = list(
        zip(
            owners[starts].tolist(),
            sizes,
            texts,
            states,
            priorities,
            [now_text] * n_histories,
            strict=True,
        )
    )
    history_columns = "ticket_id, size, instants, states, priorities, updated_at"
    _insert("measurements_tickethistory", history_columns, history_rows)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('measurements_ticket', 'id'),"
                " (SELECT MAX(id) FROM measurements_ticket))"
            )
            # As `accord import` does after writing (Bulk.analyze): without statistics the
            # planner takes the few new events for a third of the table and scans it all.
            cursor.execute("ANALYZE measurements_ticket, measurements_tickethistory")
    return Generated(n, m)


def _insert(table: str, columns: str, rows: list[tuple[object, ...]]) -> None:
    width = len(columns.split(","))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        per = 999 // width
        marks = "(" + ", ".join(["%s"] * width) + ")"
        full = len(rows) - len(rows) % per
        statement = f"INSERT INTO {table} ({columns}) VALUES " + ", ".join([marks] * per)
        flat = [[v for row in rows[i : i + per] for v in row] for i in range(0, full, per)]
        cursor.executemany(statement, flat)
        for row in rows[full:]:
            cursor.execute(f"INSERT INTO {table} ({columns}) VALUES {marks}", list(row))
