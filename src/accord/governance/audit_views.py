"""The audit trail page (/governance/audit/?object=agreement:NAME) and its CSV export."""

from __future__ import annotations

import json
from datetime import datetime

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accord.accounts import access
from accord.governance.audit_queries import (
    differences,
    filter_entries,
    parse_since,
    visible_entries,
    write_csv,
)
from accord.governance.snapshots import OBJECT_TYPES


def _since(text: str) -> datetime | None:
    try:
        return parse_since(text) if text else None
    except ValueError:
        return None


@login_required
def audit_trail(request: HttpRequest) -> HttpResponse:
    access.require(access.role_of(request.user) is not None, "seeing the audit trail")
    params = {k: request.GET.get(k, "").strip() for k in ("object", "actor", "since")}
    entries = filter_entries(
        visible_entries(request.user),
        object=params["object"] or None,
        actor=params["actor"] or None,
        since=_since(params["since"]),
    )
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="audit.csv"'
        write_csv(entries.order_by("at", "id"), response)
        return response
    page = Paginator(entries.select_related("actor"), 50).get_page(request.GET.get("page"))
    rows = [
        {
            "entry": e,
            "changes": [
                (field, _show(before), _show(after)) for field, before, after in differences(e)
            ],
        }
        for e in page
    ]
    query = "&".join(f"{k}={v}" for k, v in params.items() if v)
    return render(
        request,
        "governance/audit.html",
        {"rows": rows, "page": page, "params": params, "types": OBJECT_TYPES, "query": query},
    )


def _show(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, ensure_ascii=False)
