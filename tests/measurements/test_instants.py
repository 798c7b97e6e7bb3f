"""Reading timestamps: ISO 8601 and ServiceNow's format, naive ones in a time zone."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from accord.measurements.instants import (
    IsoInstants,
    ServiceNowInstants,
    from_utc_text,
    iso_utc,
    time_zone,
    utc_text,
)

PARIS = ZoneInfo("Europe/Paris")
SAO_PAULO = ZoneInfo("America/Sao_Paulo")


@pytest.mark.parametrize(
    ("text", "zone", "expected"),
    [
        ("2025-05-06T18:20:24Z", UTC, "2025-05-06 18:20:24"),
        ("2025-05-06 18:20:24", UTC, "2025-05-06 18:20:24"),
        ("2025-05-06T18:20:24+00:00", PARIS, "2025-05-06 18:20:24"),  # an offset wins
        ("2025-05-06T18:20:24+02:00", UTC, "2025-05-06 16:20:24"),
        ("2025-05-06T18:20:24", PARIS, "2025-05-06 16:20:24"),  # naive: read in the zone
        ("2025-01-06T18:20:24", PARIS, "2025-01-06 17:20:24"),
        ("2025-05-06T18:20:24.250Z", UTC, "2025-05-06 18:20:24.250000"),
        ("2025-05-06", UTC, "2025-05-06 00:00:00"),
        ("2025-W19-2T18:20:24Z", UTC, "2025-05-06 18:20:24"),  # looks plain, is not
        # Paris skips 02:00-03:00 on 30 March 2025: read with the offset before the gap.
        ("2025-03-30T02:30:00", PARIS, "2025-03-30 01:30:00"),
        # … and repeats 02:00-03:00 on 26 October: the first occurrence (summer time).
        ("2025-10-26T02:30:00", PARIS, "2025-10-26 00:30:00"),
    ],
)
def test_iso_column_in_utc(text: str, zone: ZoneInfo, expected: str) -> None:
    texts, bad = IsoInstants(zone).texts([text])
    assert (texts, bad) == ([expected], {})
    assert utc_text(IsoInstants(zone)(text)) == expected


def test_a_bad_cell_is_reported_by_index_and_the_others_kept() -> None:
    texts, bad = IsoInstants(UTC).texts(["2025-05-06T18:20:24Z", "yesterday", " 2025-05-06 "])
    assert texts[0] == "2025-05-06 18:20:24"
    assert texts[2] == "2025-05-06 00:00:00"  # spaces around a value are forgiven
    assert list(bad) == [1]
    assert "ISO 8601" in bad[1]


def test_servicenow_format_is_day_first_local_time() -> None:
    parse = ServiceNowInstants(SAO_PAULO)
    assert parse("29/2/2016 01:16") == datetime(2016, 2, 29, 4, 16, tzinfo=UTC)
    assert parse("5/3/2016 12:00") == datetime(2016, 3, 5, 15, 0, tzinfo=UTC)
    with pytest.raises(ValueError, match="dd/mm/yyyy"):
        parse("2016-02-29 01:16")


def test_unknown_time_zone_says_what_was_expected() -> None:
    assert time_zone("utc") is UTC
    assert time_zone("Europe/Paris") == PARIS
    with pytest.raises(ValueError, match="IANA"):
        time_zone("Mars/Olympus_Mons")


def test_text_forms_round_trip() -> None:
    moment = datetime(2016, 2, 29, 4, 16, 0, 500, tzinfo=UTC)
    assert from_utc_text(utc_text(moment)) == moment
    assert iso_utc(datetime(2016, 2, 29, 1, 16, tzinfo=SAO_PAULO)) == "2016-02-29T04:16:00Z"
