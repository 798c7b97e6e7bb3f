"""A small estate for the lifecycle tests: one provider, two customers, one service, and
an agreement written by a manifest in any status; users of every role."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from django.contrib.auth.models import User

from accord.accounts.models import Membership, Role
from accord.agreements.models import Agreement
from accord.catalogue.models import Party, Subject
from accord.manifests.apply import apply_paths

T0 = datetime(2026, 3, 1, tzinfo=UTC)

PARTIES = """
apiVersion: accord/v1
kind: Party
metadata: {name: acme-it}
spec:
  role: provider
  contacts: [{name: Ada Provider, email: ada@acme.example}]
---
apiVersion: accord/v1
kind: Party
metadata: {name: shop}
spec:
  role: customer
  contacts: [{name: Sam Shop, email: sam@shop.example}]
---
apiVersion: accord/v1
kind: Party
metadata: {name: depot}
spec:
  role: customer
  contacts: [{name: Dee Depot, email: dee@depot.example}]
---
apiVersion: accord/v1
kind: Party
metadata: {name: cloudco}
spec:
  role: supplier
---
apiVersion: accord/v1
kind: Service
metadata: {name: store}
spec: {owner: acme-it}
"""

AGREEMENT = """
apiVersion: accord/v1
kind: Agreement
metadata: {{name: {name}}}
spec:
  type: SLA
  status: {status}
  provider: acme-it
  consumers: [{consumers}]
  services: [store]
  effective: {{from: {start}{until}}}
  review: {{every: P3M, next: {review}}}
  period: month
  targets:
    - name: p1-resolution
      metric: resolution
      where: {{priority: "1"}}
      within: 4h
      objective: 90
"""


def write_estate(
    directory: Path,
    *,
    status: str = "draft",
    name: str = "store-sla",
    consumers: str = "shop, depot",
    start: str = "2026-04-01",
    until: str | None = None,
    review: str = "2027-01-15",
) -> Path:
    (directory / "10-parties.yaml").write_text(PARTIES)
    text = AGREEMENT.format(
        name=name,
        status=status,
        consumers=consumers,
        start=start,
        until=f", until: {until}" if until else "",
        review=review,
    )
    (directory / "50-agreement.yaml").write_text(text)
    return directory


def estate(directory: Path, **options: str | None) -> Agreement:
    apply_paths([write_estate(directory, **options)], effective_from=T0)  # type: ignore[arg-type]
    return Agreement.objects.get(name=options.get("name") or "store-sla")


def user(
    username: str, role: Role, party: str | None = None, services: tuple[str, ...] = ()
) -> User:
    person = User.objects.create_user(username, email=f"{username}@example.org")
    membership = Membership.objects.create(
        user=person, role=role, party=Party.objects.get(name=party) if party else None
    )
    if services:
        membership.services.set(Subject.objects.filter(name__in=services))
    return person
