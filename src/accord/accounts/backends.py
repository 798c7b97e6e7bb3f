"""Django's password check, throttled (accounts.throttle).

An authentication backend rather than a view, so that every log-in form — Accord's and
the Django admin's — is throttled the same way.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from accord.accounts.throttle import clear_failures, client_address, locked_until, record_failure

# The attribute of the request that tells the log-in form why it was refused.
LOCKED_UNTIL = "accord_login_locked_until"


class ThrottledModelBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        if username is None:
            username = kwargs.get("username", "")
        address = client_address(request)
        until = locked_until(username or "", address)
        if until is not None:
            if request is not None:
                setattr(request, LOCKED_UNTIL, until)
            raise PermissionDenied("too many failed log-ins")  # stops every backend
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            record_failure(username or "", address)
        else:
            clear_failures(username or "")
        return user
