"""Rows written from NumPy columns (binary COPY on PostgreSQL, executemany on SQLite)
read back exactly as given: numbers of every width, NULLs, texts, JSON, and a text
field with a value per row."""

from __future__ import annotations

import json

import numpy as np
import pytest
from django.db import connection

from accord.measurements import columnar
from accord.measurements.columnar import Field, copy_binary, insert_sqlite

COLUMNS = ("small", "medium", "big", "ratio", "maybe", "label", "blob", "note")


@pytest.fixture
def scratch_table(db: None) -> str:
    postgres = connection.vendor == "postgresql"
    json_type = "jsonb" if postgres else "text"
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE columnar_scratch (small smallint NOT NULL, medium integer NOT NULL,"
            " big bigint NOT NULL, ratio double precision NOT NULL, maybe bigint NULL,"
            f" label varchar(40) NULL, blob {json_type} NULL, note varchar(100) NOT NULL)"
        )
    return "columnar_scratch"


def _fields(n: int, postgres: bool) -> tuple[list[Field], list[tuple[object, ...]]]:
    rng = np.random.default_rng(3)
    small = rng.integers(-300, 300, n)
    medium = rng.integers(-(2**31), 2**31 - 1, n)
    big = rng.integers(-(2**62), 2**62, n)
    ratio = rng.random(n) * 100
    maybe = np.where(rng.random(n) < 0.3, -1, rng.integers(0, 10**12, n))
    labels = ["", "2026-03", "été ✓"]
    label = rng.integers(-1, len(labels), n)  # -1: NULL
    blobs = [json.dumps({"row": i, "at": "2026-01-01T00:00:00Z"}) for i in range(n)]
    blob = np.where(rng.random(n) < 0.5, -1, np.arange(n))  # a value per row, or NULL
    notes = ["a", "bb"]
    note = rng.integers(0, 2, n)
    kinds = dict.fromkeys(COLUMNS, "int8") | {"ratio": "float8", "label": "text", "note": "text"}
    if postgres:
        kinds |= {"small": "int2", "medium": "int4", "blob": "jsonb"}
    else:
        kinds |= {"blob": "text"}
    fields = [
        Field(kinds["small"], small),
        Field(kinds["medium"], medium),
        Field(kinds["big"], big),
        Field(kinds["ratio"], ratio),
        Field(kinds["maybe"], maybe, null=maybe == -1),
        Field(kinds["label"], label, vocabulary=labels),
        Field(kinds["blob"], blob, vocabulary=blobs),
        Field(kinds["note"], note, vocabulary=notes),
    ]
    expected = [
        (
            int(small[i]),
            int(medium[i]),
            int(big[i]),
            float(ratio[i]),
            None if maybe[i] == -1 else int(maybe[i]),
            None if label[i] < 0 else labels[label[i]],
            None if blob[i] < 0 else json.loads(blobs[blob[i]]),
            notes[note[i]],
        )
        for i in range(n)
    ]
    return fields, expected


@pytest.mark.django_db
def test_rows_read_back_as_written(scratch_table: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(columnar, "CHUNK_ROWS", 700)  # several chunks, and a short last one
    postgres = connection.vendor == "postgresql"
    fields, expected = _fields(2_345, postgres)
    with connection.cursor() as cursor:
        write = copy_binary if postgres else insert_sqlite
        assert write(cursor.cursor, scratch_table, COLUMNS, fields) == len(expected)
        cursor.execute(f"SELECT {', '.join(COLUMNS)} FROM {scratch_table}")
        stored = cursor.fetchall()
    got = sorted(
        (*row[:6], json.loads(row[6]) if isinstance(row[6], str) else row[6], row[7])
        for row in stored
    )
    assert got == sorted(expected)  # COPY groups rows by layout: order aside


@pytest.mark.django_db
def test_nothing_to_write(scratch_table: str) -> None:
    postgres = connection.vendor == "postgresql"
    fields, _ = _fields(0, postgres)
    with connection.cursor() as cursor:
        write = copy_binary if postgres else insert_sqlite
        assert write(cursor.cursor, scratch_table, COLUMNS, fields) == 0
        cursor.execute(f"SELECT COUNT(*) FROM {scratch_table}")
        assert cursor.fetchone()[0] == 0


def test_unsupported_kinds_are_refused() -> None:
    with pytest.raises(ValueError, match="not supported"):
        Field("numeric", np.zeros(1))
    with pytest.raises(ValueError, match="not supported"):
        columnar.kind_of("timestamp with time zone")
    assert columnar.kind_of("varchar(40)") == "text"
    assert columnar.kind_of("bigint") == "int8"
