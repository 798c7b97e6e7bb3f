"""Throttling failed log-ins.

After `USER_LIMIT` failures for one user name, or `ADDRESS_LIMIT` from one address,
within `WINDOW`, log-ins for that name (or from that address) are refused for `LOCKOUT`
after the last of them, whatever the password. Refused attempts are not counted, so
guessing on does not prolong the lock, and a correct password during the lock does not
help. The address limit is higher because many honest people may share one address
(an office behind NAT). Failures live in the database so that every web process sees
the same count.
"""

from __future__ import annotations

import ipaddress
from datetime import datetime, timedelta

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from accord.accounts.models import LoginFailure

USER_LIMIT = 5
ADDRESS_LIMIT = 20
WINDOW = timedelta(minutes=15)
LOCKOUT = timedelta(minutes=15)
# Failures older than this can no longer lock anyone out; they are deleted as we go.
KEEP = WINDOW + LOCKOUT


def client_address(request: HttpRequest | None) -> str:
    """The client's IP address: REMOTE_ADDR, or the last X-Forwarded-For hop when the
    request came through a trusted proxy (ACCORD_FORWARDED_ALLOW_IPS)."""
    if request is None:
        return ""
    remote = request.META.get("REMOTE_ADDR", "")
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    trusted = settings.ACCORD_TRUSTED_PROXIES
    if forwarded and ("*" in trusted or remote in trusted):
        hop = forwarded.split(",")[-1].strip()
        try:
            return str(ipaddress.ip_address(hop))
        except ValueError:
            return remote
    return remote


def locked_until(username: str, address: str, *, now: datetime | None = None) -> datetime | None:
    """When log-ins for `username` from `address` are allowed again; None: now."""
    now = now or timezone.now()
    recent = LoginFailure.objects.filter(at__gt=now - KEEP)
    by_name = list(
        recent.filter(username=username.lower()).values_list("at", flat=True)[: USER_LIMIT * 4]
    )
    by_address: list[datetime] = []
    if address:
        by_address = list(
            recent.filter(address=address).values_list("at", flat=True)[: ADDRESS_LIMIT * 4]
        )
    ends = [_lock_end(by_name, USER_LIMIT), _lock_end(by_address, ADDRESS_LIMIT)]
    live = [end for end in ends if end is not None and end > now]
    return max(live) if live else None


def _lock_end(instants: list[datetime], limit: int) -> datetime | None:
    """The end of the latest lockout: `limit` failures within WINDOW lock until LOCKOUT
    after the last of them. `instants` are newest first."""
    for i in range(len(instants) - limit + 1):
        newest, oldest = instants[i], instants[i + limit - 1]
        if newest - oldest <= WINDOW:
            return newest + LOCKOUT
    return None


def record_failure(username: str, address: str, *, now: datetime | None = None) -> None:
    now = now or timezone.now()
    LoginFailure.objects.create(username=username.lower()[:150], address=address, at=now)
    LoginFailure.objects.filter(at__lte=now - KEEP).delete()


def clear_failures(username: str) -> None:
    """After a successful log-in that user's count starts again. The address's count is
    kept: a guesser could otherwise reset it by logging in to an account of their own."""
    LoginFailure.objects.filter(username=username.lower()).delete()
