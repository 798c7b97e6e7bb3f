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
