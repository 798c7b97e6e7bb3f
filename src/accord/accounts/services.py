"""Issuing, checking and revoking API tokens; creating people and giving them roles."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accord.accounts.models import ApiToken, Membership, Role
from accord.catalogue.models import Party, Subject

TOKEN_PREFIX = "acc_"
# Writing last_used_at on every request would turn each API read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=5)


def digest_of(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_api_token(
    user: AbstractBaseUser, *, name: str, expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """A new token; the plain text is returned once and never stored."""
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=plain[:12], digest=digest_of(plain), expires_at=expires_at
    )
    return token, plain


def authenticate_api_token(plain: str, *, now: datetime | None = None) -> ApiToken | None:
    """The live token for `plain`, or None (unknown, revoked, expired or inactive user)."""
    now = now or timezone.now()
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=digest_of(plain), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None or (token.expires_at is not None and token.expires_at <= now):
        return None
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def revoke_api_token(token: ApiToken, *, now: datetime | None = None) -> None:
    token.revoked_at = now or timezone.now()
    token.save(update_fields=["revoked_at"])


# --- People and their roles ---

# What each role is scoped to: customers and suppliers speak for a party of that role;
# owners own services (and may belong to a providing team); the others see everything.
PARTY_ROLE = {Role.CUSTOMER: Party.Role.CUSTOMER, Role.SUPPLIER: Party.Role.SUPPLIER}


@transaction.atomic
def create_user(
    username: str,
    *,
    role: Role,
    party: Party | None = None,
    services: Sequence[Subject] = (),
    password: str | None = None,
    email: str = "",
) -> AbstractBaseUser:
    """A person with a role. Without a password they cannot log in to the pages (an API
    token still works), e.g. for a feeder account."""
    User = get_user_model()
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": f"a user named {username!r} exists already"})
    user = User(username=username, email=email)
    if password is None:
        user.set_unusable_password()
    else:
        validate_password(password, user)
        user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    set_role(user, role=role, party=party, services=services)
    return user


@transaction.atomic
def set_role(
    user: Any, *, role: Role, party: Party | None = None, services: Sequence[Subject] = ()
) -> Membership:
    """Give `user` this role and scope, replacing any earlier one. Admins are also
    Django superusers (the admin site); nobody else is."""
    _check_scope(role, party, services)
    membership, _ = Membership.objects.update_or_create(
        user=user, defaults={"role": role, "party": party}
    )
    membership.services.set(services)
    is_admin = role == Role.ADMIN
    if user.is_superuser != is_admin or user.is_staff != is_admin:
        user.is_superuser = user.is_staff = is_admin
        user.save(update_fields=["is_superuser", "is_staff"])
    if hasattr(user, "_accord_membership"):
        del user._accord_membership  # access.role_of caches it on the object
    return membership


def _check_scope(role: Role, party: Party | None, services: Sequence[Subject]) -> None:
    if role in PARTY_ROLE:
        if party is None:
            raise ValidationError({"party": f"a {role.value} speaks for a party: give one"})
        if party.role != PARTY_ROLE[role]:
            raise ValidationError(
                {"party": f"{party.name} is a {party.role}, not a {PARTY_ROLE[role]}"}
            )
    if role in PARTY_ROLE and services:
        raise ValidationError({"services": f"a {role.value} is scoped by party, not services"})
    if role == Role.OWNER and party is not None and party.role != Party.Role.PROVIDER:
        raise ValidationError({"party": f"an owner's team is a provider; {party.name} is not"})
    if role == Role.OWNER and not services and party is None:
        raise ValidationError({"services": "a service owner needs services (or a team)"})
    if role in {Role.ADMIN, Role.MANAGER, Role.VIEWER} and (party or services):
        raise ValidationError({"role": f"{role.value} sees everything: no party or services"})
    if any(s.kind != Subject.Kind.SERVICE for s in services) and role == Role.OWNER:
        # Owners own business services; components are reached through them.
        bad = next(s for s in services if s.kind != Subject.Kind.SERVICE)
        raise ValidationError({"services": f"{bad.name} is a component, not a service"})
