"""Service level reports under /api/v1/reports."""

from ninja import Router

router = Router(tags=["reports"])
