"""Recording why a target was breached: a reason on a breached ticket clock or on a
breached period result (category + text, who, when).

A reason names what the result stands for — (agreement, target, ticket) for a clock,
(agreement, target, subject, period) for a period — so it survives re-evaluation,
which rewrites the result rows. Reasons are never edited: a later one is added, and
reports show the latest first and group breaches by its category.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from accord.accounts.access import can_change_agreement, require
from accord.agreements.models import Agreement
from accord.catalogue.models import Subject
from accord.evaluation.models import ClockStatus, PeriodResult, PeriodStatus
from accord.evaluation.queries import clock_results
from accord.measurements.models import Ticket
from accord.reviews.models import BreachReason

MAX_TEXT = 2000


class BreachReasonInvalid(ValueError):
    """A reason that cannot be recorded; `field` names the input at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def record_breach_reason(
    *,
    agreement: Agreement,
    target_name: str,
    category: str,
    text: str,
    author: Any,
    ticket: Ticket | None = None,
    subject: Subject | None = None,
    period: str = "",
) -> BreachReason:
    """Add a reason to the breached clock (`ticket`) or the breached period (`period`,
    with `subject` for an availability target) of `target_name`. The author must be
    allowed to change the agreement (PermissionDenied otherwise)."""
    require(can_change_agreement(author, agreement), f"recording a reason on {agreement.name}")
    category = (category or "").strip()
    text = (text or "").strip()
    if category not in BreachReason.Category.values:
        raise BreachReasonInvalid(
            "category", f'"{category}" is not one of {", ".join(BreachReason.Category.values)}'
        )
    if not text:
        raise BreachReasonInvalid("text", "say why the target was breached")
    if len(text) > MAX_TEXT:
        raise BreachReasonInvalid("text", f"at most {MAX_TEXT} characters")
    if (ticket is None) == (not period):
        raise BreachReasonInvalid("ticket", "name either a ticket (a clock) or a period, not both")
    if ticket is not None:
        _check_clock(agreement, target_name, ticket)
    else:
        _check_period(agreement, target_name, subject, period)
    with transaction.atomic():
        return BreachReason.objects.create(
            agreement=agreement,
            target_name=target_name,
            ticket=ticket,
            subject=subject if ticket is None else None,
            period=period if ticket is None else "",
            category=category,
            text=text,
            author=author,
        )


def _check_clock(agreement: Agreement, target_name: str, ticket: Ticket) -> None:
    found = clock_results(agreement_ids=[agreement.pk], ticket_id=ticket.pk, target=target_name)
    clock = found[0] if found else None
    if clock is None:
        raise BreachReasonInvalid(
            "ticket", f"ticket {ticket} has no {target_name} clock under {agreement.name}"
        )
    if clock.status != ClockStatus.BREACHED:
        raise BreachReasonInvalid(
            "ticket",
            f"the {target_name} clock of ticket {ticket} is {clock.get_status_display()}, "
            "not breached",
        )


def _check_period(
    agreement: Agreement, target_name: str, subject: Subject | None, period: str
) -> None:
    result = PeriodResult.objects.filter(
        agreement=agreement, target_name=target_name, subject=subject, period=period
    ).first()
    where = f"{target_name}{f' / {subject.name}' if subject else ''} in {period}"
    if result is None:
        raise BreachReasonInvalid("period", f"{agreement.name} has no result for {where}")
    if result.status != PeriodStatus.BREACHED:
        raise BreachReasonInvalid(
            "period", f"{where} is {result.get_status_display()}, not breached"
        )


def find_ticket(reference: str) -> Ticket | None:
    """A ticket by `source:id`, or by its id alone when one source has it."""
    reference = (reference or "").strip()
    if not reference:
        return None
    source, _, external = reference.rpartition(":")
    rows = Ticket.objects.filter(external_id=external)
    rows = rows.filter(source=source) if source else rows
    return rows.first() if rows.count() == 1 else None
