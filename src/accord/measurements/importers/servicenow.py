"""`accord import tickets --format servicenow`: ServiceNow's incident event log.

One row per audit event. Each row becomes a ticket event; the ticket itself follows from
its whole history (stored and incoming) by the rules of tests/data/README.md:

- events are ordered by `sys_mod_count`, then `sys_updated_at`, ties in file order;
- states map New → new, Active → in-progress, Awaiting User Info → awaiting-customer, …,
  -100 → cancelled (so a ticket whose last event is -100 is cancelled);
- first response = `sys_updated_at` of the first event whose state is not New;
- opened, resolved and closed come from the last event, resolved falling back to closed;
- priority = the leading digit of `priority` at the last event;
- every other column is kept: on each event as it was then, on the ticket as at its last
  event; `?` means missing and is left out.

The rows of a ticket may be scattered through the file: a batch holds whole runs of
rows, and a ticket met again later is merged with the history already stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo
from typing import Any

from accord.measurements import services
from accord.measurements.batches import EventRow, TicketRow
from accord.measurements.importers.base import Flushed, Importer, Parsed
from accord.measurements.importers.errors import RowError
from accord.measurements.importers.fields import required
from accord.measurements.importers.reading import Chunk
from accord.measurements.importers.tickets import ID_MAX_LENGTH
from accord.measurements.instants import ServiceNowInstants, iso_utc, utc_text
from accord.measurements.models import Ticket, TicketHistory
from accord.measurements.records import STATE_MAX_LENGTH, normalise_state

STATES = {
    "New": "new",
    "Active": "in-progress",
    "Awaiting User Info": "awaiting-customer",
    "Awaiting Vendor": "awaiting-vendor",
    "Awaiting Problem": "awaiting-problem",
    "Awaiting Evidence": "awaiting-evidence",
    "Resolved": "resolved",
    "Closed": "closed",
    "-100": "cancelled",
}
# Ticket-level instants, kept on each event (as ISO 8601 UTC) so that a ticket can be
# derived again from its stored history alone.
TICKET_INSTANTS = ("opened_at", "resolved_at", "closed_at")
MOD_COUNT = "sys_mod_count"
_CACHE_LIMIT = 50_000


def servicenow_order(event: EventRow) -> tuple[int, str]:
    return int(event.attributes.get(MOD_COUNT, -1)), event.at


class ServiceNowImporter(Importer):
    writes = (Ticket, TicketHistory)
    repeats_values = True
    fields = (
        "number",
        "incident_state",
        MOD_COUNT,
        "sys_updated_at",
        "priority",
        *TICKET_INSTANTS,
        "sys_created_at",
    )
    missing = frozenset({"", "?"})

    def __init__(self, *, source: str, zone: tzinfo, service: str | None) -> None:
        self.source = source
        self.parse_instant = ServiceNowInstants(zone)
        self.service = service or ""
        self._pending: Parsed | None = None  # the last ticket's rows of the previous chunk
        # Raw timestamp → (UTC text, ISO text): each one recurs on every event of a ticket.
        self._texts: dict[str, tuple[str, str]] = {}

    def required_columns(self) -> Sequence[str]:
        return self.fields[:6]  # up to opened_at; resolved_at and closed_at may be absent

    def parse_chunk(self, chunk: Chunk) -> Parsed:
        """Rows as events; a ticket's run of rows is never split between two batches."""
        parsed = super().parse_chunk(chunk)
        if self._pending is not None:
            held = self._pending
            parsed = Parsed(held.items + parsed.items, held.lines + parsed.lines, parsed.errors)
        events: list[EventRow] = parsed.items
        cut = len(events)
        while cut > 0 and events[cut - 1].ticket == events[-1].ticket:
            cut -= 1
        self._pending = Parsed(events[cut:], parsed.lines[cut:], [])
        return Parsed(events[:cut], parsed.lines[:cut], parsed.errors)

    def finish(self) -> Parsed | None:
        pending, self._pending = self._pending, None
        return pending

    def parse(self, values: Sequence[str], extras: Any) -> EventRow:
        number, raw_state, mod_count, updated, priority, *stamps = values
        if not mod_count.isdigit():
            raise RowError(MOD_COUNT, mod_count, "expected a whole number")
        attributes = dict(extras)
        attributes[MOD_COUNT] = mod_count
        for column, value in zip(self.fields[5:], stamps, strict=True):
            if value and value != "?":
                attributes[column] = self._texts_of(value, column)[1]
        if "opened_at" not in attributes:
            raise RowError("opened_at", stamps[0], "required")
        return EventRow(
            required(number, "number", ID_MAX_LENGTH),
            self._texts_of(updated, "sys_updated_at")[0],
            _state(raw_state),
            _priority(priority),
            attributes,
        )

    def _texts_of(self, value: str, column: str) -> tuple[str, str]:
        texts = self._texts.get(value)
        if texts is None:
            try:
                moment = self.parse_instant(value)
            except ValueError as exc:
                raise RowError(column, value, str(exc)) from None
            texts = utc_text(moment), iso_utc(moment)
            if len(self._texts) >= _CACHE_LIMIT:
                self._texts.clear()
            self._texts[value] = texts
        return texts

    def flush(self, events: list[EventRow]) -> Flushed:
        histories: dict[str, list[EventRow]] = {}
        for event in events:
            histories.setdefault(event.ticket, []).append(event)
        tickets, written = services.upsert_ticket_histories(
            histories, derive=self.ticket, source=self.source, order_key=servicenow_order
        )
        return Flushed(tickets, written, [])

    def ticket(self, external_id: str, history: Sequence[EventRow]) -> TicketRow:
        """The ticket as its history leaves it (the rules in the module docstring)."""
        last = history[-1]
        attributes = dict(last.attributes)
        opened_at = _text(attributes.pop("opened_at", None)) or history[0].at
        resolved_at = _text(attributes.pop("resolved_at", None))
        closed_at = _text(attributes.pop("closed_at", None))
        responded_at = next((event.at for event in history if event.state != "new"), None)
        return TicketRow(
            external_id,
            opened_at,
            last.state,
            last.priority,
            self.service,
            "",
            responded_at,
            resolved_at or closed_at,
            closed_at,
            attributes,
        )


def _text(iso: str | None) -> str | None:
    """`2016-02-29T04:16:00Z` (an attribute) → UTC text."""
    return iso[:10] + " " + iso[11:-1] if iso else None


def _state(value: str) -> str:
    state = STATES.get(value) or normalise_state(value)
    if not state:
        raise RowError("incident_state", value, "required")
    if len(state) > STATE_MAX_LENGTH:
        raise RowError("incident_state", value, f"longer than {STATE_MAX_LENGTH} characters")
    return state


def _priority(value: str) -> str:
    """`3 - Moderate` → `3`; `?` or empty → no priority."""
    raw = value.strip()
    if raw in {"", "?"}:
        return ""
    if not raw[0].isdigit():
        raise RowError("priority", raw, "expected a leading digit, as in '3 - Moderate'")
    return raw[0]
