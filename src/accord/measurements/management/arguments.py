"""Command-line argument types shared by the measurement commands."""

from __future__ import annotations

from argparse import ArgumentTypeError
from datetime import UTC, datetime


def instant(text: str) -> datetime:
    """ISO 8601; without an offset it is UTC (a command line has no other zone to offer)."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ArgumentTypeError(f"expected an ISO 8601 date-time, got {text!r}") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)
