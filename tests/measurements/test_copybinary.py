"""PostgreSQL's binary COPY format (copybinary.py), and the text COPY it falls back to."""

from __future__ import annotations

import json
import struct
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.catalogue.models import Subject
from accord.measurements import bulk, copybinary, services
from accord.measurements.bulk import COPY_SLICE_ROWS, Bulk
from accord.measurements.models import MetricPoint, MetricSeries, Outage, Ticket
from accord.measurements.records import EventRecord, TicketRecord
from accord.measurements.storage import POINT_COLUMNS

BIGINT, TEXT, INSTANT = ("bigint", "varchar(200)", "timestamp with time zone")


def cell(data: bytes) -> bytes:
    return struct.pack(">i", len(data)) + data


NULL = struct.pack(">i", -1)


def test_rows_are_encoded_field_by_field() -> None:
    layout = copybinary.layout(
        [BIGINT, TEXT, INSTANT, "jsonb", "integer", "double precision", "boolean"]
    )
    assert layout is not None
    assert layout.order == (0, 2, 4, 5, 6, 1, 3)  # fixed widths first
    rows = [
        (1, "ünï", "2000-01-01 00:00:01.5", '{"a": 1}', 7, 0.5, True),
        (2, "ünï", None, '{"a": 1}', -7, None, False),
    ]
    microseconds = struct.pack(">q", 1_500_000)  # since 2000-01-01 UTC
    assert copybinary.encode_rows(layout, rows) == b"".join(
        [
            struct.pack(">h", 7),
            cell(struct.pack(">q", 1)),
            cell(microseconds),
            cell(struct.pack(">i", 7)),
            cell(struct.pack(">d", 0.5)),
            cell(b"\x01"),
            cell("ünï".encode()),
            cell(b'\x01{"a": 1}'),
            struct.pack(">h", 7),
            cell(struct.pack(">q", 2)),
            NULL,
            cell(struct.pack(">i", -7)),
            NULL,
            cell(b"\x00"),
            cell("ünï".encode()),
            cell(b'\x01{"a": 1}'),
        ]
    )


TYPES = [BIGINT, "integer", "double precision", "boolean", INSTANT, TEXT, "jsonb"]


def reference(db_types: list[str], order: tuple[int, ...], row: tuple[Any, ...]) -> bytes:
    """A row as the format describes it, value by value."""
    fields = [struct.pack(">h", len(row))]
    for i in order:
        value, db_type = row[i], db_types[i]
        if value is None:
            fields.append(NULL)
        elif db_type == INSTANT:
            moment = datetime.fromisoformat(value).replace(tzinfo=UTC)
            since = (moment - datetime(2000, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)
            fields.append(cell(struct.pack(">q", since)))
        else:
            formats = {BIGINT: ">q", "integer": ">i", "double precision": ">d", "boolean": "?"}
            if db_type in formats:
                fields.append(cell(struct.pack(formats[db_type], value)))
            else:
                fields.append(cell((("\x01" if db_type == "jsonb" else "") + value).encode()))
    return b"".join(fields)


def values_of(db_type: str) -> st.SearchStrategy[Any]:
    if db_type == INSTANT:
        # Naive bounds draw naive datetimes: their text is UTC text.
        moments = st.datetimes(datetime(1990, 1, 1), datetime(2040, 1, 1))  # noqa: DTZ001
        return moments.map(lambda moment: moment.isoformat(" "))
    return {
        BIGINT: st.integers(-(2**63), 2**63 - 1),
        "integer": st.integers(-(2**31), 2**31 - 1),
        "double precision": st.floats(allow_nan=False),
        "boolean": st.booleans(),
        TEXT: st.text(st.characters(exclude_characters="\x00"), max_size=5),
        "jsonb": st.text(max_size=5).map(json.dumps),
    }[db_type]


@st.composite
def tables(draw: st.DrawFn) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Columns of any type, each varying or not, with or without nulls (few or all)."""
    db_types = draw(st.lists(st.sampled_from(TYPES), min_size=1, max_size=5))
    count = draw(st.integers(1, 9))
    columns = []
    for db_type in db_types:
        pool = draw(st.lists(values_of(db_type) | st.none(), min_size=1, max_size=4))
        columns.append(draw(st.lists(st.sampled_from(pool), min_size=count, max_size=count)))
    return db_types, list(zip(*columns, strict=True))


@given(tables())
@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])  # (a busy CI)
def test_rows_are_encoded_as_the_format_describes_them(
    table: tuple[list[str], list[tuple[Any, ...]]],
) -> None:
    db_types, rows = table
    layout = copybinary.layout(db_types)
    assert layout is not None
    expected = b"".join(reference(db_types, layout.order, row) for row in rows)
    assert copybinary.encode_rows(layout, rows) == expected


def test_a_nul_in_a_text_is_sent_for_the_server_to_refuse_never_split_on() -> None:
    layout = copybinary.layout([TEXT])
    assert layout is not None
    rows = [(f"a{i}",) for i in range(7)] + [("b\x00c",)]
    expected = b"".join(struct.pack(">h", 1) + cell(row[0].encode()) for row in rows)
    assert copybinary.encode_rows(layout, rows) == expected


@pytest.mark.parametrize(
    ("db_type", "value"),
    [
        (BIGINT, 1.5),  # a float for a whole number
        (BIGINT, True),  # a boolean is not a number here
        (BIGINT, 2**63),  # out of range: the server's error, from text
        (TEXT, b"bytes"),
        (INSTANT, datetime(2025, 1, 1, tzinfo=UTC)),  # instants arrive as UTC text
        (INSTANT, "2025-01-01 00:00:00+02"),  # not UTC text
        (INSTANT, "not a date"),
        (INSTANT, "NaT"),
        ("double precision", Decimal("1.5")),
    ],
)
def test_a_value_of_another_kind_has_no_binary_form(db_type: str, value: object) -> None:
    layout = copybinary.layout([db_type])
    assert layout is not None
    assert copybinary.encode_rows(layout, [(value,)]) is None


def test_a_type_without_a_binary_form_here_is_copied_as_text() -> None:
    assert copybinary.layout([BIGINT, "numeric(5, 2)"]) is None
    assert copybinary.layout(["bigint", "character varying(20)", "text"]) is not None


needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite is written with INSERT … VALUES"
)


@needs_postgres
@pytest.mark.django_db
def test_values_of_every_encoded_type_come_back_as_they_went_in() -> None:
    service = Subject.objects.create(kind="service", name="svc")
    spans = [
        ("2025-03-01 09:00:00.123456", None),
        ("2025-03-01 09:00:00.123456", "2025-03-01 10:00:00"),
        ("1999-12-31 23:00:00", "1999-12-31 23:59:59.999999"),  # before PostgreSQL's epoch
    ]
    rows = [
        ("prometheus", f"o{i}", service.pk, start, end, i % 2 == 0, 0.25, "ü")
        for i, (start, end) in enumerate(spans)
    ]
    columns = ("origin", "key", "subject_id", "start", "end", "planned", "impact", "reference")
    with transaction.atomic():
        Bulk().write(Outage, columns, rows, conflict=columns[:2], new=True)
    stored = [Outage.objects.get(key=f"o{i}") for i in range(3)]
    assert [(o.start, o.end) for o in stored] == [
        (datetime(2025, 3, 1, 9, 0, 0, 123456, tzinfo=UTC), None),
        (datetime(2025, 3, 1, 9, 0, 0, 123456, tzinfo=UTC), datetime(2025, 3, 1, 10, tzinfo=UTC)),
        (
            datetime(1999, 12, 31, 23, tzinfo=UTC),
            datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
        ),
    ]
    assert [(o.planned, o.impact, o.reference) for o in stored] == [
        (True, 0.25, "ü"),
        (False, 0.25, "ü"),
        (True, 0.25, "ü"),
    ]


@needs_postgres
@pytest.mark.django_db
def test_a_value_without_a_binary_form_sends_the_whole_batch_as_text() -> None:
    """Found in the last slice, after others went in binary: the COPY is abandoned and
    the batch copied again as text, whole, in the same transaction."""
    series = MetricSeries.objects.create(name="s", kind=MetricSeries.Kind.VALUES)
    base = datetime(2025, 3, 1, tzinfo=UTC)
    count = 2 * COPY_SLICE_ROWS + 3

    def at(i: int) -> str:
        return (base + timedelta(minutes=i)).strftime("%Y-%m-%d %H:%M:%S")

    rows = [(series.pk, at(i), at(i + 1), None, None, float(i)) for i in range(count)]
    rows[-1] = (*rows[-1][:-1], Decimal("0.5"))  # a Decimal: no binary form here
    with transaction.atomic():
        Bulk().write(MetricPoint, POINT_COLUMNS, rows, conflict=POINT_COLUMNS[:2], new=True)
        assert MetricPoint.objects.count() == count
    values = sorted(MetricPoint.objects.values_list("start", "value"))
    assert values[0] == (base, 0.0) and values[-1] == (base + timedelta(minutes=count - 1), 0.5)


@needs_postgres
@pytest.mark.django_db
def test_tickets_and_histories_are_copied_in_binary(monkeypatch: pytest.MonkeyPatch) -> None:
    """What a bulk import writes has a binary form: no batch falls back to text."""
    Subject.objects.create(kind="service", name="svc")
    encoded: list[bytes | None] = []

    def encode_rows(*args: Any) -> bytes | None:
        encoded.append(copybinary.encode_rows(*args))
        return encoded[-1]

    monkeypatch.setattr(
        bulk, "copybinary", SimpleNamespace(**{**vars(copybinary), "encode_rows": encode_rows})
    )
    opened = datetime(2025, 3, 1, 9, 30, 15, 250000, tzinfo=UTC)
    records = [TicketRecord("A-1", opened, "new", service="svc", attributes={"é": "1"})]
    services.upsert_tickets(records)
    services.add_ticket_events([EventRecord("A-1", opened, "new", "P1", {"note": "ü"})])
    assert len(encoded) == 2 and None not in encoded
    ticket = Ticket.objects.get()
    assert (ticket.opened_at, ticket.attributes) == (opened, {"é": "1"})
    assert [(e.at, e.priority, e.attributes) for e in ticket.events()] == [
        (opened, "P1", {"note": "ü"})
    ]
