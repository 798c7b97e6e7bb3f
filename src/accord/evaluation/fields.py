"""A model field for instants kept as whole epoch seconds (UTC).

Clock results run to tens of millions of rows. Stored as integers, they are written
and read in bulk without formatting or parsing a date-time per value (the engine works
in epoch seconds anyway), while Django code still sees aware UTC datetimes and may
filter with datetimes: values are converted at the edge, as everywhere else.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from django.db import models


def epoch_seconds(value: datetime) -> int:
    """Whole seconds since 1970-01-01 UTC (floored); `value` must be aware."""
    if value.tzinfo is None:
        raise ValueError(f"an instant must be timezone-aware, got {value!r}")
    return math.floor(value.timestamp())


def from_epoch(value: int) -> datetime:
    return datetime.fromtimestamp(int(value), UTC)


class EpochField(models.BigIntegerField):
    description = "An instant stored as epoch seconds (UTC)"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> datetime | None:
        return None if value is None else from_epoch(value)

    def to_python(self, value: Any) -> datetime | None:
        if value is None or isinstance(value, datetime):
            return value
        return from_epoch(int(value))

    def get_prep_value(self, value: Any) -> int | None:
        if value is None:
            return None
        if isinstance(value, datetime):
            return epoch_seconds(value)
        return int(value)
