"""Reading the instants of imported files: ISO 8601, or ServiceNow's `dd/mm/yyyy HH:MM`.

Every instant leaves here in UTC. Bulk paths carry it as *UTC text*,
`YYYY-MM-DD HH:MM:SS[.ffffff]` — the form Django stores on SQLite, which sorts and
compares like the instants themselves — because formatting a datetime costs more than
the rest of an event's import; the record API carries aware datetimes.

A timestamp without an offset is read in the import's time zone with PEP 495 `fold=0`:
an ambiguous local time (the repeated hour when clocks go back) is its first occurrence,
and a local time that does not exist (the hour skipped when clocks go forward) is read
with the offset in force before the gap, so it lands as far after the gap as it was
written after the gap's start and events inside the gap keep their order.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

ISO_EXAMPLE = "2024-05-01T09:30:00Z"
SERVICENOW_EXAMPLE = "29/2/2016 01:16"
ISO_EXPECTED = f"expected an ISO 8601 date-time such as {ISO_EXAMPLE}"
# Already UTC to the second (or naive, to be read as UTC): its UTC text is a slice.
_PLAIN_UTC = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:Z|[+-]00:?00)?", re.ASCII)
# Whole columns of the two commonest forms, one value per line: converted by `replace`.
_Z_COLUMN = re.compile(r"(?:\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n)+", re.ASCII)
_NAIVE_COLUMN = re.compile(r"(?:\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d\n)+", re.ASCII)
_from_iso = datetime.fromisoformat


def time_zone(name: str) -> tzinfo:
    """The IANA zone `name`, or a ValueError that says what was expected."""
    if name.upper() == "UTC":
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {name!r}: expected an IANA name such as UTC or Europe/Paris"
        ) from None


def utc_text(value: datetime) -> str:
    """An aware datetime as UTC text."""
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")


def from_utc_text(text: str) -> datetime:
    return _from_iso(text).replace(tzinfo=UTC)


def iso_utc(value: datetime) -> str:
    """The ISO 8601 text of an instant in JSON attributes: `2016-02-29T04:16:00Z`."""
    return value.astimezone(UTC).replace(tzinfo=None).isoformat() + "Z"


class IsoInstants:
    """Parses ISO 8601 date-times; naive ones are read in `zone`."""

    def __init__(self, zone: tzinfo) -> None:
        self.zone = zone

    def __call__(self, text: str) -> datetime:
        """One value, as an aware UTC datetime (ValueError when it is not ISO 8601)."""
        try:
            value = _from_iso(text.strip())
        except ValueError:
            raise ValueError(ISO_EXPECTED) from None
        if value.tzinfo is None:
            value = value.replace(tzinfo=self.zone)
        return value.astimezone(UTC)

    def texts(self, values: Sequence[str]) -> tuple[list[str], dict[int, str]]:
        """Every value as UTC text; those that are not ISO 8601 as {index: reason}.

        Validates the whole column in C (`map`), then converts the common forms by string
        operations on the whole column or on each value; only a column holding a bad
        value is parsed value by value.
        """
        try:
            parsed = list(map(_from_iso, values))
        except (ValueError, TypeError):
            return self._one_by_one(values)
        naive_is_utc = self.zone is UTC
        lines = "\n".join(values) + "\n"
        if _Z_COLUMN.fullmatch(lines):
            return lines[:-1].replace("T", " ").replace("Z", "").split("\n"), {}
        if naive_is_utc and _NAIVE_COLUMN.fullmatch(lines):
            return lines[:-1].replace("T", " ").split("\n"), {}
        plain = _PLAIN_UTC.fullmatch
        return [
            text[:10] + " " + text[11:19]
            if plain(text) and (naive_is_utc or len(text) > 19)
            else self._utc(moment)
            for text, moment in zip(values, parsed, strict=True)
        ], {}

    def _utc(self, moment: datetime) -> str:
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=self.zone)
        return moment.astimezone(UTC).replace(tzinfo=None).isoformat(" ")

    def _one_by_one(self, values: Sequence[str]) -> tuple[list[str], dict[int, str]]:
        texts, bad = [], {}
        for index, value in enumerate(values):
            try:
                texts.append(utc_text(self(value)))
            except ValueError as exc:
                texts.append("")
                bad[index] = str(exc)
        return texts, bad


class ServiceNowInstants:
    """Parses `d/m/yyyy HH:MM` (local time of the instance, no offset) read in `zone`."""

    CACHE_LIMIT = 50_000  # distinct strings remembered; ServiceNow repeats each per event

    def __init__(self, zone: tzinfo) -> None:
        self.zone = zone
        self._seen: dict[str, datetime] = {}

    def __call__(self, text: str) -> datetime:
        value = self._seen.get(text)
        if value is None:
            value = self._parse(text)
            if len(self._seen) >= self.CACHE_LIMIT:
                self._seen.clear()
            self._seen[text] = value
        return value

    def _parse(self, text: str) -> datetime:
        try:
            date, clock = text.strip().split(" ")
            day, month, year = date.split("/")
            hour, minute = clock.split(":")
            local = datetime(
                int(year), int(month), int(day), int(hour), int(minute), tzinfo=self.zone
            )
        except ValueError:
            raise ValueError(f"expected dd/mm/yyyy HH:MM such as {SERVICENOW_EXAMPLE}") from None
        return local.astimezone(UTC)
