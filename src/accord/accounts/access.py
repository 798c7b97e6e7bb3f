"""Who may see and change what: the one place access rules live.

Every interface (pages, API, exports, reports, CLI on behalf of a user) asks these
functions rather than deciding for itself, so the rules are the same everywhere:

- admin and service level manager: everything, read and write;
- service owner: their services (Membership.services) and the agreements on them or
  provided by their party; they may change those agreements;
- customer: agreements whose consumers include their party; read-only;
- supplier: underpinning contracts their party provides; read-only;
- viewer: everything, read-only;
- a user without a membership sees nothing (deny by default), except superusers (admin).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from accord.accounts.models import Membership, Role
from accord.agreements.models import Agreement
from accord.catalogue.models import Party, Subject

EVERYTHING = frozenset({Role.ADMIN, Role.MANAGER, Role.VIEWER})
WRITERS = frozenset({Role.ADMIN, Role.MANAGER})


def role_of(user: Any) -> Role | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    if getattr(user, "is_superuser", False):
        return Role.ADMIN
    membership = _membership(user)
    return Role(membership.role) if membership else None


def _membership(user: Any) -> Membership | None:
    """Cached on the user object: pages ask many times per request."""
    if not hasattr(user, "_accord_membership"):
        user._accord_membership = (
            Membership.objects.filter(user=user).select_related("party").first()
        )
    membership: Membership | None = user._accord_membership
    return membership


def sees_everything(user: Any) -> bool:
    return role_of(user) in EVERYTHING


def can_manage(user: Any) -> bool:
    """Change anything: catalogue, agreements, imports, ingestion, settings."""
    return role_of(user) in WRITERS


def visible_agreements(user: Any) -> QuerySet[Agreement]:
    role = role_of(user)
    agreements = Agreement.objects.all()
    if role in EVERYTHING:
        return agreements
    membership = _membership(user)
    if role is None or membership is None:
        return agreements.none()
    party = membership.party_id
    if role == Role.CUSTOMER:
        return agreements.filter(consumers=party).distinct() if party else agreements.none()
    if role == Role.SUPPLIER:
        if not party:
            return agreements.none()
        return agreements.filter(provider=party, type=Agreement.Type.UC)
    # Owner: agreements on their services, or provided by their team.
    owned = Q(subjects__in=membership.services.all())
    if party:
        owned |= Q(provider=party)
    return agreements.filter(owned).distinct()


def visible_subjects(user: Any) -> QuerySet[Subject]:
    role = role_of(user)
    if role in EVERYTHING:
        return Subject.objects.all()
    if role is None:
        return Subject.objects.none()
    if role == Role.OWNER:
        membership = _membership(user)
        assert membership is not None
        return Subject.objects.filter(
            Q(pk__in=membership.services.all()) | Q(agreements__in=visible_agreements(user))
        ).distinct()
    return Subject.objects.filter(agreements__in=visible_agreements(user)).distinct()


def visible_parties(user: Any) -> QuerySet[Party]:
    if sees_everything(user):
        return Party.objects.all()
    agreements = visible_agreements(user)
    return Party.objects.filter(
        Q(provides__in=agreements) | Q(consumes__in=agreements) | Q(members__user=user)
    ).distinct()


def can_view_agreement(user: Any, agreement: Agreement) -> bool:
    return visible_agreements(user).filter(pk=agreement.pk).exists()


def can_change_agreement(user: Any, agreement: Agreement) -> bool:
    role = role_of(user)
    if role in WRITERS:
        return True
    return role == Role.OWNER and can_view_agreement(user, agreement)


def require(allowed: bool, what: str = "this") -> None:
    """Raise PermissionDenied (HTTP 403 in pages and the API) unless allowed."""
    if not allowed:
        raise PermissionDenied(f"your role does not allow {what}")


# --- Measurements, results and alerts: visible through the agreements that judge them ---


def visible_tickets(user: Any) -> QuerySet[Any]:
    """Tickets judged by an agreement the user sees, and a customer's own tickets.
    Scoped roles do not see other parties' tickets on a shared service: a ticket outside
    every agreement they see is none of their business."""
    from accord.measurements.models import Ticket

    if sees_everything(user):
        return Ticket.objects.all()
    role = role_of(user)
    if role is None:
        return Ticket.objects.none()
    judged = _in_scope_of(visible_agreements(user))
    party = customer_party(user)
    if party is not None:
        # A corporate SLA shared by several customers judges all their tickets; each
        # customer sees only its own (and those naming no customer).
        return Ticket.objects.filter((judged & Q(customer__isnull=True)) | Q(customer=party))
    return Ticket.objects.filter(judged)


def _in_scope_of(agreements: QuerySet[Agreement]) -> Q:
    """Tickets one of the agreements judges (accord.evaluation.judged)."""
    from accord.evaluation.judged import NONE, judged_tickets
    from accord.evaluation.scope import read_scope

    found = NONE
    for agreement in agreements:
        found |= judged_tickets(read_scope(agreement))
    return found


def customer_party(user: Any) -> int | None:
    """The party id of a customer (None for every other role)."""
    membership = _membership(user)
    if role_of(user) == Role.CUSTOMER and membership is not None:
        return membership.party_id
    return None


def visible_outages(user: Any) -> QuerySet[Any]:
    """Outages of the services and components the user sees."""
    from accord.measurements.models import Outage

    if sees_everything(user):
        return Outage.objects.all()
    return Outage.objects.filter(subject__in=visible_subjects(user))


def visible_alerts(user: Any) -> QuerySet[Any]:
    """Alert events about agreements the user sees. An alert whose agreement was since
    deleted (the link is then null) is visible only to those who see everything."""
    from accord.alerts.models import AlertEvent

    if sees_everything(user):
        return AlertEvent.objects.all()
    alerts = AlertEvent.objects.filter(agreement__in=visible_agreements(user))
    if customer_party(user) is not None:
        # Ticket alerts name the ticket as Accord prints it ("INC1" or "source:INC1").
        from django.db.models import Case, F, Value, When
        from django.db.models.functions import Concat

        from accord.measurements.models import DEFAULT_SOURCE

        names = (
            visible_tickets(user)
            .annotate(
                printed=Case(
                    When(source=DEFAULT_SOURCE, then=F("external_id")),
                    default=Concat("source", Value(":"), "external_id"),
                )
            )
            .values("printed")
        )
        alerts = alerts.filter(Q(ticket="") | Q(ticket__in=names))
    return alerts


def visible_period_results(user: Any) -> QuerySet[Any]:
    from accord.evaluation.models import PeriodResult

    if sees_everything(user):
        return PeriodResult.objects.all()
    return PeriodResult.objects.filter(agreement__in=visible_agreements(user))


def visible_clock_results(user: Any) -> QuerySet[Any]:
    from accord.evaluation.models import ClockResult

    if sees_everything(user):
        return ClockResult.objects.all()
    clocks = ClockResult.objects.filter(agreement__in=visible_agreements(user))
    party = customer_party(user)
    if party is not None:  # as visible_tickets: not another customer's tickets
        clocks = clocks.filter(Q(ticket__customer__isnull=True) | Q(ticket__customer=party))
    return clocks


def visible_calendars(user: Any) -> QuerySet[Any]:
    """The built-in calendar, and those the agreements the user sees (or their targets)
    use as service hours."""
    from accord.agreements.models import AgreementVersion, Calendar, Target

    if sees_everything(user):
        return Calendar.objects.all()
    if role_of(user) is None:
        return Calendar.objects.none()
    agreements = visible_agreements(user)
    versions = AgreementVersion.objects.filter(agreement__in=agreements)
    used = Q(builtin=True) | Q(pk__in=versions.values("service_hours_id"))
    used |= Q(pk__in=Target.objects.filter(version__in=versions).values("service_hours_id"))
    return Calendar.objects.filter(used)


def visible_dependencies(user: Any) -> QuerySet[Any]:
    """Dependencies between two subjects the user sees."""
    from accord.catalogue.models import Dependency

    if sees_everything(user):
        return Dependency.objects.all()
    subjects = visible_subjects(user)
    return Dependency.objects.filter(subject__in=subjects, member__in=subjects)


def can_acknowledge_alert(user: Any, alert: Any) -> bool:
    """Those who act on alerts: managers and admins, and service owners for the alerts
    they see. Customers, suppliers and viewers are read-only."""
    role = role_of(user)
    if role in WRITERS:
        return True
    return role == Role.OWNER and visible_alerts(user).filter(pk=alert.pk).exists()
