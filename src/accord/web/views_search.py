"""`/search/?q=`: agreements, services and components, parties, tickets (by their id)
and targets whose name or title contains the words, each kind through its visibility
function, so a search never finds what the user could not open."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accord.accounts.access import (
    visible_agreements,
    visible_parties,
    visible_subjects,
    visible_tickets,
)
from accord.agreements.models import Target

LIMIT = 25  # per kind; the page says when there are more
MIN_LENGTH = 2


def _named(q: str) -> Q:
    return Q(name__icontains=q) | Q(title__icontains=q)


@login_required
def search(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:100]
    groups: list[dict[str, Any]] = []
    if len(q) >= MIN_LENGTH:
        groups = _groups(request.user, q)
    context = {
        "q": q,
        "short": 0 < len(q) < MIN_LENGTH,
        "min_length": MIN_LENGTH,
        "groups": groups,
        "total": sum(len(g["items"]) for g in groups),
    }
    return render(request, "web/search/search.html", context)


def _groups(user: Any, q: str) -> list[dict[str, Any]]:
    agreements = visible_agreements(user)
    found: list[tuple[str, list[tuple[str, str, str]], int]] = []
    rows = agreements.filter(_named(q)).order_by("name")
    found.append(
        (
            "Agreements",
            [(a.title or a.name, a.name, f"/agreements/{a.name}/") for a in rows[:LIMIT]],
            rows.count(),
        )
    )
    rows = visible_subjects(user).filter(_named(q)).order_by("name")
    found.append(
        (
            "Services and components",
            [(str(s), f"{s.kind} {s.name}", f"/catalogue/{s.name}/") for s in rows[:LIMIT]],
            rows.count(),
        )
    )
    rows = visible_parties(user).filter(_named(q)).order_by("name")
    found.append(
        ("Parties", [(str(p), p.get_role_display(), "") for p in rows[:LIMIT]], rows.count())
    )
    rows = visible_tickets(user).filter(external_id__icontains=q).order_by("source", "external_id")
    found.append(
        (
            "Tickets",
            [
                (str(t), f"{t.state}, priority {t.priority or '—'}", f"/tickets/{t.pk}/")
                for t in rows[:LIMIT]
            ],
            rows.count(),
        )
    )
    found.append(("Targets", *_targets(agreements, q)))
    return [
        {"kind": kind, "items": items, "more": count - len(items)}
        for kind, items, count in found
        if items
    ]


def _targets(agreements: Any, q: str) -> tuple[list[tuple[str, str, str]], int]:
    """One hit per (agreement, target name), whatever the number of versions defining it."""
    pairs = (
        Target.objects.filter(version__agreement__in=agreements, name__icontains=q)
        .values_list("version__agreement__name", "name", "metric")
        .order_by("version__agreement__name", "name")
        .distinct()
    )
    seen: dict[tuple[str, str], str] = {}
    for agreement, name, metric in pairs:
        seen.setdefault((agreement, name), metric)
    items = [
        (f"{agreement} / {name}", metric, f"/agreements/{agreement}/")
        for (agreement, name), metric in list(seen.items())[:LIMIT]
    ]
    return items, len(seen)
