"""The log-in forms, saying plainly when log-ins are throttled."""

from __future__ import annotations

import math

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils import timezone

from accord.accounts.backends import LOCKED_UNTIL
from accord.accounts.throttle import USER_LIMIT


def throttled_error(form: AuthenticationForm) -> ValidationError | None:
    until = getattr(form.request, LOCKED_UNTIL, None)
    if until is None:
        return None
    minutes = max(1, math.ceil((until - timezone.now()).total_seconds() / 60))
    return ValidationError(
        f"Too many failed log-ins for this user name or from this address "
        f"({USER_LIMIT} within 15 minutes). Log-ins are refused for {minutes} more "
        f"minute{'s' if minutes != 1 else ''}; ask an administrator if you have forgotten "
        "your password.",
        code="throttled",
    )


class LoginForm(AuthenticationForm):
    def get_invalid_login_error(self) -> ValidationError:
        return throttled_error(self) or super().get_invalid_login_error()


class AdminLoginForm(AdminAuthenticationForm):
    def get_invalid_login_error(self) -> ValidationError:
        return throttled_error(self) or super().get_invalid_login_error()
