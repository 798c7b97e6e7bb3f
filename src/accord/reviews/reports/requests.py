"""What a report request may see, and the report it gets: shared by pages, the API and
the CLI (`--user`). Every decision goes through `accord.accounts.access`.

- An agreement report: the agreement must be visible to the user (else "not found",
  so a customer cannot learn the names of other customers' agreements).
- A party (customer) report: the party must be visible, and so must every agreement the
  report would cover; a customer therefore gets the report of their own party only,
  never that of another customer who shares a corporate agreement with them.
- `user=None` is the CLI operator without `--user`: full access.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Q

from accord.accounts.access import visible_agreements, visible_parties
from accord.agreements.models import Agreement
from accord.catalogue.models import Party
from accord.reviews.reports.content import Report
from accord.reviews.reports.gather import REPORTED, customer_report, single_report


class NotFound(LookupError):
    """No such agreement or party, or none the user may see (the same answer for both)."""


def agreement_for(user: Any, name: str) -> Agreement:
    rows = Agreement.objects.all() if user is None else visible_agreements(user)
    found = rows.filter(name=name).select_related("provider").first()
    if found is None:
        raise NotFound(f"no agreement named {name!r}")
    return found


def party_for(user: Any, name: str) -> Party:
    rows = Party.objects.all() if user is None else visible_parties(user)
    party = rows.filter(name=name).first()
    if party is None:
        raise NotFound(f"no party named {name!r}")
    if user is not None:
        covered = party_agreements(party)
        hidden = covered.exclude(pk__in=visible_agreements(user).values("pk"))
        if hidden.exists():
            raise NotFound(f"no party named {name!r}")
    return party


def party_agreements(party: Party) -> Any:
    return Agreement.objects.filter(
        Q(consumers=party) | Q(provider=party), status__in=REPORTED
    ).distinct()


def reportable_parties(user: Any) -> list[Party]:
    """Parties whose report the user may have (for the index page)."""
    rows = Party.objects.all() if user is None else visible_parties(user)
    chosen = []
    for party in rows.order_by("name"):
        try:
            party_for(user, party.name)
        except NotFound:
            continue
        if party_agreements(party).exists():
            chosen.append(party)
    return chosen


def agreement_report(user: Any, name: str, period: str, as_of: datetime | None = None) -> Report:
    return single_report(agreement_for(user, name), period=period, as_of=as_of, user=user)


def party_report(user: Any, name: str, period: str, as_of: datetime | None = None) -> Report:
    return customer_report(party_for(user, name), period=period, as_of=as_of, user=user)
