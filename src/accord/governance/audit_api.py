"""/api/v1/governance/audit: the audit trail, filtered and paginated."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema

from accord.accounts import access
from accord.governance.audit_queries import filter_entries, visible_entries
from accord.governance.models import AuditEntry
from accord.pagination import Paging, page_of

router = Router(tags=["governance"])


class AuditEntryOut(Schema):
    id: int
    at: datetime
    actor: str
    action: str
    object_type: str
    object_name: str
    object_id: int
    changed: list[str]
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class AuditPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[AuditEntryOut]


class AuditFilters(Schema):
    object: str | None = None  # "agreement:NAME" or a type alone
    actor: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def _out(e: AuditEntry) -> AuditEntryOut:
    return AuditEntryOut(
        id=e.pk,
        at=e.at,
        actor=e.actor_name,
        action=e.action,
        object_type=e.object_type,
        object_name=e.object_name,
        object_id=e.object_id,
        changed=e.changed,
        before=e.before,
        after=e.after,
    )


@router.get("", response=AuditPage, summary="Audit entries, newest first")
def audit_entries(
    request: HttpRequest, filters: Query[AuditFilters], paging: Query[Paging]
) -> dict[str, Any]:
    access.require(access.role_of(request.user) is not None, "seeing the audit trail")
    entries = filter_entries(
        visible_entries(request.user),
        object=filters.object,
        actor=filters.actor,
        since=filters.since,
        until=filters.until,
    )
    return page_of(paging, entries, _out)
