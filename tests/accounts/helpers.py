"""Users with a role, for tests that need someone allowed to act."""

from __future__ import annotations

from django.contrib.auth.models import User

from accord.accounts.models import Membership, Role


def manager(username: str) -> User:
    """A service level manager: may see and change everything."""
    user = User.objects.create_user(username)
    Membership.objects.create(user=user, role=Role.MANAGER)
    return user
