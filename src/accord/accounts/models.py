"""Personal API tokens, and each user's role with its scope (party or services)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ApiToken(models.Model):
    """A bearer token for /api/v1. Only a SHA-256 digest is stored: the tokens are random
    with 256 bits of entropy, so a fast hash is safe and lets every request be checked
    with one indexed lookup."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, help_text="the first characters, to recognise it")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["user", "-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class Role(models.TextChoices):
    """What a person may see and do. Managers and admins see everything; the others see
    a scoped slice (see accord.accounts.access)."""

    ADMIN = "admin"
    MANAGER = "manager", "service level manager"
    OWNER = "owner", "service owner"
    CUSTOMER = "customer"
    SUPPLIER = "supplier"
    VIEWER = "viewer"


class Membership(models.Model):
    """A user's role, and the party (customer, supplier) or services (owner) it is scoped
    to. A user without one sees nothing unless they are a superuser (deny by default)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership"
    )
    role = models.CharField(max_length=10, choices=Role.choices)
    party = models.ForeignKey(
        "catalogue.Party",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        help_text="the customer or supplier this user speaks for",
    )
    services = models.ManyToManyField(
        "catalogue.Subject", blank=True, related_name="owners", help_text="owned services"
    )

    def __str__(self) -> str:
        return f"{self.user} ({self.role})"


class LoginFailure(models.Model):
    """One failed log-in, kept for the throttle (accounts.throttle). In the database, not
    the cache, so that every web process sees the same count."""

    username = models.CharField(max_length=150)  # lower-cased, as typed
    address = models.CharField(max_length=45)  # the client's IP address
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at"]
        indexes = [
            models.Index(fields=["username", "at"], name="login_failure_username"),
            models.Index(fields=["address", "at"], name="login_failure_address"),
        ]

    def __str__(self) -> str:
        return f"{self.username} from {self.address} at {self.at:%Y-%m-%d %H:%M:%S}"
