"""Credits and costs per period (issue #8, part 5; SEMANTICS §8).

- Credits come from the stored period results (`PeriodResult.credit_amount`, bands of the
  version in force, summed and capped by evaluation): owed to customers under SLAs,
  receivable from suppliers under UCs, internal under OLAs.
- The cost of a service is the period charges of the OLAs and UCs it relies on: an
  agreement covering subjects several services depend on is shared equally between them
  (Accord has no usage figures to apportion by). SLA charges are the service's revenue.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from django.db.models import QuerySet

from accord.accounts.access import sees_everything, visible_agreements
from accord.agreements.models import Agreement
from accord.catalogue.models import Party, Subject
from accord.engine.periods import parse_period_label
from accord.evaluation.models import PeriodResult
from accord.evaluation.scope import read_scope
from accord.governance.checks.context import dependency_closure, dependency_graph

DIRECTION = {"SLA": "owed", "UC": "receivable", "OLA": "internal"}
# Agreements whose charges were due in a period they were in force for.
CHARGED = (
    Agreement.Status.AGREED,
    Agreement.Status.ACTIVE,
    Agreement.Status.UNDER_REVIEW,
    Agreement.Status.EXPIRED,
    Agreement.Status.SUPERSEDED,
)
UNALLOCATED = "(no service)"


class PeriodInvalid(ValueError):
    pass


@dataclass
class CreditLine:
    period: str
    direction: str  # owed (to customers) | receivable (from suppliers) | internal
    party: str  # the customers (joined) or the supplier / team
    agreement: str
    agreement_type: str
    amount: float
    currency: str
    final: bool  # False: the period was still running when evaluated
    targets: str  # "availability/online-store 600.00; p1-resolution 600.00"


@dataclass
class CostLine:
    period: str
    service: str
    agreement: str
    agreement_type: str
    provider: str
    charge: float  # the agreement's whole period charge
    share: float  # of it borne by this service
    amount: float
    currency: str
    shared_with: list[str] = field(default_factory=list)


@dataclass
class CreditsReport:
    period: str
    credits: list[CreditLine]
    costs: list[CostLine] | None  # None: not visible to this user

    def totals(self) -> list[dict[str, Any]]:
        """Credits per direction, party and currency."""
        sums: dict[tuple[str, str, str], float] = defaultdict(float)
        for line in self.credits:
            sums[(line.direction, line.party, line.currency)] += line.amount
        return [
            {"direction": d, "party": p, "currency": c, "amount": round(v, 2)}
            for (d, p, c), v in sorted(sums.items())
        ]

    def service_totals(self) -> list[dict[str, Any]]:
        sums: dict[tuple[str, str], float] = defaultdict(float)
        for line in self.costs or []:
            sums[(line.service, line.currency)] += line.amount
        return [
            {"service": s, "currency": c, "cost": round(v, 2)} for (s, c), v in sorted(sums.items())
        ]

    def as_dict(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "credits": [asdict(c) for c in self.credits],
            "totals": self.totals(),
            "costs": None if self.costs is None else [asdict(c) for c in self.costs],
            "service_totals": None if self.costs is None else self.service_totals(),
        }


def check_period(label: str) -> str:
    try:
        parse_period_label(label)
    except ValueError:
        raise PeriodInvalid(
            f"period {label!r}: expected 2026-11 (month), 2026-Q4 (quarter) or 2026 (year)"
        ) from None
    return label


def credits_report(period: str, *, user: Any = None) -> CreditsReport:
    """Credits of the agreements the user sees (all when `user` is None: the CLI), and
    costs for those who see everything."""
    check_period(period)
    agreements = Agreement.objects.all() if user is None else visible_agreements(user)
    show_costs = user is None or sees_everything(user)
    return CreditsReport(
        period, credit_lines(period, agreements), service_costs(period) if show_costs else None
    )


def credit_lines(period: str, agreements: QuerySet[Agreement]) -> list[CreditLine]:
    rows = (
        PeriodResult.objects.filter(
            period=period, credit_amount__isnull=False, agreement__in=agreements
        )
        .select_related("agreement", "agreement__provider", "subject")
        .order_by("agreement__name", "target_name", "subject__name")
    )
    grouped: dict[int, list[PeriodResult]] = defaultdict(list)
    for row in rows:
        grouped[row.agreement_id].append(row)
    lines = []
    for items in grouped.values():
        agreement = items[0].agreement
        parts = [
            f"{r.target_name}{'/' + r.subject.name if r.subject else ''} {r.credit_amount:.2f}"
            for r in items
            if r.credit_amount
        ]
        lines.append(
            CreditLine(
                period=period,
                direction=DIRECTION[agreement.type],
                party=_party(agreement),
                agreement=agreement.name,
                agreement_type=agreement.type,
                amount=round(sum(r.credit_amount or 0.0 for r in items), 2),
                currency=items[0].currency,
                final=all(r.final for r in items),
                targets="; ".join(parts),
            )
        )
    return sorted(lines, key=lambda x: (x.direction, x.party, x.agreement))


def _party(agreement: Agreement) -> str:
    if agreement.type == Agreement.Type.SLA:
        customers = agreement.consumers.filter(role=Party.Role.CUSTOMER).order_by("name")
        return ", ".join(customers.values_list("name", flat=True)) or "(no customer)"
    return agreement.provider.name


def service_costs(period: str) -> list[CostLine]:
    """Each OLA's and UC's period charge, shared equally by the services relying on it."""
    depends_on, _, _ = dependency_graph()
    services = list(
        Subject.objects.filter(kind=Subject.Kind.SERVICE)
        .exclude(status=Subject.Status.PIPELINE)
        .values_list("name", flat=True)
    )
    relies = {s: {s} | dependency_closure(depends_on, s) for s in services}
    lines: list[CostLine] = []
    chosen = Agreement.objects.exclude(type=Agreement.Type.SLA).filter(status__in=CHARGED)
    for agreement in chosen.select_related("provider").order_by("name"):
        charged = _charge(agreement, period)
        if charged is None:
            continue
        charge, currency = charged
        covered = set(agreement.subjects.values_list("name", flat=True))
        users = sorted(s for s in services if relies[s] & covered) or [UNALLOCATED]
        for service in users:
            lines.append(
                CostLine(
                    period=period,
                    service=service,
                    agreement=agreement.name,
                    agreement_type=agreement.type,
                    provider=agreement.provider.name,
                    charge=charge,
                    share=1.0 / len(users),
                    amount=round(charge / len(users), 2),
                    currency=currency,
                    shared_with=[u for u in users if u != service],
                )
            )
    return sorted(lines, key=lambda x: (x.service, x.agreement))


def _charge(agreement: Agreement, label: str) -> tuple[float, str] | None:
    """The period charge of the version in force at the period's start, if the agreement
    was in force during the period (in its own time zone)."""
    if not agreement.versions.exists():
        return None
    scope = read_scope(agreement)
    period = parse_period_label(label, scope.timezone)
    if not scope.in_force(period):
        return None
    version = scope.segments[int(scope.segment_of(_array(period.start))[0])].version
    if version.charges_per_period is None:
        return None
    return float(version.charges_per_period), version.currency


def _array(value: int) -> Any:
    return np.array([value], dtype=np.int64)


CREDIT_COLUMNS = list(CreditLine.__dataclass_fields__)
COST_COLUMNS = list(CostLine.__dataclass_fields__)


def credits_csv(report: CreditsReport) -> str:
    return _csv(CREDIT_COLUMNS, [asdict(line) for line in report.credits])


def costs_csv(report: CreditsReport) -> str:
    rows = [
        asdict(line) | {"shared_with": " ".join(line.shared_with)} for line in report.costs or []
    ]
    return _csv(COST_COLUMNS, rows)


def _csv(columns: list[str], rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()
