"""The agreement lifecycle under /api/v1/agreements/{name}/…: transitions, comments,
approvals and temporary changes."""

from ninja import Router

router = Router(tags=["lifecycle"])
