"""A small, consistent estate for governance tests: every rule is silent on it at
AS_OF, and each test breaks one thing to see its rule speak.

shop (live) ─ anyOf(app-a, app-b) ─ host      shop-sla (SLA, office hours) underpinned by
           └─ db ─────────────────── host      ops-ola (app-a, app-b, db) and host-uc (host)
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from django.utils import timezone

from accord.manifests.apply import apply_paths

AS_OF = datetime(2026, 6, 1, tzinfo=UTC)

MANIFESTS = """
apiVersion: accord/v1
kind: Party
metadata: {name: acme-it}
spec: {role: provider, timezone: Europe/London}
---
apiVersion: accord/v1
kind: Party
metadata: {name: ops-team}
spec: {role: provider}
---
apiVersion: accord/v1
kind: Party
metadata: {name: shoppers}
spec: {role: customer}
---
apiVersion: accord/v1
kind: Party
metadata: {name: hostco}
spec: {role: supplier}
---
apiVersion: accord/v1
kind: Calendar
metadata: {name: office}
spec:
  timezone: Europe/London
  hours: {mon-fri: ["08:00-18:00"]}
---
apiVersion: accord/v1
kind: Component
metadata: {name: host}
spec: {provider: hostco}
---
apiVersion: accord/v1
kind: Component
metadata: {name: app-a}
spec: {provider: ops-team, dependsOn: [host]}
---
apiVersion: accord/v1
kind: Component
metadata: {name: app-b}
spec: {provider: ops-team, dependsOn: [host]}
---
apiVersion: accord/v1
kind: Component
metadata: {name: db}
spec: {provider: ops-team, dependsOn: [host]}
---
apiVersion: accord/v1
kind: Service
metadata: {name: shop}
spec:
  owner: acme-it
  status: live
  dependsOn:
    - anyOf: [app-a, app-b]
    - db
---
apiVersion: accord/v1
kind: Agreement
metadata: {name: shop-sla}
spec:
  type: SLA
  structure: customer
  status: active
  provider: acme-it
  consumer: shoppers
  services: [shop]
  effective: {from: 2026-01-01, until: 2026-12-31}
  review: {every: P6M, next: 2026-09-01}
  serviceHours: office
  period: month
  underpinnedBy: [ops-ola, host-uc]
  charges: {perPeriod: 10000, currency: GBP}
  creditCap: 12
  targets:
    - name: availability
      metric: availability
      objective: 99.5
      excludePlanned: true
      credits:
        - {below: 99.5, percent: 5}
        - {below: 99.0, percent: 10}
    - name: p1-response
      metric: response
      where: {priority: "1"}
      within: 1h
      objective: 95
    - name: p1-resolution
      metric: resolution
      where: {priority: "1"}
      within: 8h
      objective: 90
      credits:
        - {below: 90, percent: 5}
---
apiVersion: accord/v1
kind: Agreement
metadata: {name: ops-ola}
spec:
  type: OLA
  structure: service
  status: active
  provider: ops-team
  consumer: acme-it
  services: [app-a, app-b, db]
  effective: {from: 2026-01-01}
  review: {every: P6M, next: 2026-09-01}
  serviceHours: 24x7
  period: month
  targets:
    - name: availability
      metric: availability
      objective: 99.9
    - name: p1-response
      metric: response
      where: {priority: "1"}
      within: 30m
      objective: 95
    - name: p1-resolution
      metric: resolution
      where: {priority: "1"}
      within: 4h
      objective: 95
---
apiVersion: accord/v1
kind: Agreement
metadata: {name: host-uc}
spec:
  type: UC
  structure: service
  status: active
  provider: hostco
  consumer: acme-it
  services: [host]
  effective: {from: 2025-01-01, until: 2027-12-31}
  review: {every: P1Y, next: 2026-09-01}
  serviceHours: 24x7
  period: month
  charges: {perPeriod: 3000, currency: GBP}
  targets:
    - name: availability
      metric: availability
      objective: 99.95
      credits:
        - {below: 99.95, percent: 10}
"""


def build_estate(directory: Path) -> datetime:
    """Apply the manifests (into the test database) and return AS_OF."""
    path = directory / "estate.yaml"
    path.write_text(MANIFESTS, encoding="utf-8")
    apply_paths([path], effective_from=timezone.now())
    return AS_OF
