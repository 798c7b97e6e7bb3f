"""Hand-made worlds for the review, action, plan and process tests: parties, services,
agreements and period results written straight to the tables, with figures small
enough to work out by hand."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

from django.contrib.auth.models import User

from accord.accounts.models import Membership, Role
from accord.agreements.models import Agreement
from accord.catalogue.models import Party, Subject
from accord.evaluation.models import PeriodResult

AS_OF = datetime(2026, 11, 30, 12, tzinfo=UTC)


def party(name: str, role: str = Party.Role.CUSTOMER) -> Party:
    return Party.objects.get_or_create(name=name, defaults={"role": role})[0]


def service(name: str, *, status: str = Subject.Status.LIVE) -> Subject:
    return Subject.objects.create(name=name, kind=Subject.Kind.SERVICE, status=status)


def agreement(
    name: str,
    *,
    provider: str = "provider",
    customer: str = "customer",
    services: Sequence[Subject] = (),
    type: str = Agreement.Type.SLA,
    status: str = Agreement.Status.ACTIVE,
    every: str = "P3M",
    next: date | None = None,
    until: date | None = None,
) -> Agreement:
    made = Agreement.objects.create(
        name=name,
        type=type,
        status=status,
        provider=party(provider, Party.Role.PROVIDER),
        review_every=every,
        review_next=next,
        effective_until=until,
    )
    made.consumers.set([party(customer)])
    made.subjects.set(services)
    return made


def month_bounds(label: str) -> tuple[datetime, datetime]:
    year, month = (int(part) for part in label.split("-"))
    start = datetime(year, month, 1, tzinfo=UTC)
    end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)
    return start, end


def results(
    of: Agreement,
    target: str,
    values: Sequence[tuple[str, float | None, str]],
    *,
    objective: float,
    metric: str = "availability",
    volumes: Sequence[int] | None = None,
    running: Sequence[str] = (),
    subject: Subject | None = None,
) -> list[PeriodResult]:
    """One result per (period label, attainment, status); periods in `running` are not
    final. Ticket targets get `met` = volume (and nothing breached) when volumes are given."""
    rows = []
    for index, (label, attainment, status) in enumerate(values):
        start, end = month_bounds(label)
        volume = volumes[index] if volumes else None
        rows.append(
            PeriodResult.objects.create(
                agreement=of,
                target_name=target,
                metric=metric,
                subject=subject,
                period=label,
                period_start=start,
                period_end=end,
                objective=objective,
                attainment=attainment,
                status=status,
                met=volume,
                breached=0 if volume is not None else None,
                open=0 if volume is not None else None,
                as_of=AS_OF,
                final=label not in running,
                evaluated_at=AS_OF,
            )
        )
    return rows


def user(
    name: str, role: str | None, *, party_name: str = "", services: Sequence[Subject] = ()
) -> User:
    made = User.objects.create_user(name)  # no password: hashing is slow, tests log in by force
    if role is not None:
        membership = Membership.objects.create(
            user=made, role=role, party=party(party_name) if party_name else None
        )
        membership.services.set(services)
    return made


def admin(name: str = "boss") -> User:
    return user(name, Role.MANAGER)
