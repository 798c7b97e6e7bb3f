"""The governance part of /api/v1."""

from ninja import Router

router = Router(tags=["governance"])
