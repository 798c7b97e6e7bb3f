"""Limit/offset pages for the /api/v1 lists: every list answers
`{"count", "limit", "offset", "items"}`, `count` being the total that matched."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.db.models import QuerySet
from ninja import Schema
from pydantic import Field

MAX_PAGE = 1000  # rows per page; larger exports go through `accord export` or reports
DEFAULT_PAGE = 100

Row = TypeVar("Row")


class Paging(Schema):
    limit: int = Field(DEFAULT_PAGE, ge=1, le=MAX_PAGE, description=f"1–{MAX_PAGE}")
    offset: int = Field(0, ge=0)


def page_of(paging: Paging, rows: QuerySet[Any], render: Callable[[Any], Row]) -> dict[str, Any]:
    """One page of `rows` (already ordered), each rendered by `render`."""
    window = rows[paging.offset : paging.offset + paging.limit]
    return {
        "count": rows.count(),
        "limit": paging.limit,
        "offset": paging.offset,
        "items": [render(row) for row in window],
    }
