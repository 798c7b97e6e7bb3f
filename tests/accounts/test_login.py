"""Log-in security: hashed passwords, CSRF, session expiry, throttled failures (in the
database, for every web process), security headers, secure cookies over HTTPS."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from accord.accounts.models import LoginFailure
from accord.accounts.throttle import LOCKOUT, USER_LIMIT

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def fast_hashing(request: pytest.FixtureRequest, settings: object) -> None:
    """PBKDF2 is slow by design; the throttle tests log in dozens of times."""
    if request.node.name != "test_passwords_are_stored_hashed":
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]


@pytest.fixture
def alice() -> User:
    return User.objects.create_user("alice", password=PASSWORD)


def log_in(client: Client, username: str, password: str, **extra: str) -> object:
    return client.post("/login/", {"username": username, "password": password}, **extra)


def test_passwords_are_stored_hashed(alice: User) -> None:
    assert alice.password.startswith("pbkdf2_sha256$") and PASSWORD not in alice.password


def test_the_login_form_needs_its_csrf_token(alice: User) -> None:
    client = Client(enforce_csrf_checks=True)
    assert log_in(client, "alice", PASSWORD).status_code == 403  # type: ignore[attr-defined]
    page = client.get("/login/")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content)
    assert token, "the form carries a CSRF token"
    response = client.post(
        "/login/",
        {"username": "alice", "password": PASSWORD, "csrfmiddlewaretoken": token.group(1).decode()},
    )
    assert response.status_code == 302 and response.url == "/"


def test_sessions_expire(client: Client, alice: User) -> None:
    assert settings.SESSION_COOKIE_AGE == 12 * 3600  # ACCORD_SESSION_HOURS default
    log_in(client, "alice", PASSWORD)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == 12 * 3600 and cookie["httponly"]
    assert cookie["samesite"] == "Lax"


def test_failed_logins_are_throttled_per_user_name(client: Client, alice: User) -> None:
    for attempt in range(USER_LIMIT):
        response = log_in(client, "alice", f"wrong {attempt}")
        assert response.status_code == 200  # type: ignore[attr-defined]
        assert b"Please enter a correct" in response.content  # type: ignore[attr-defined]
    # Locked: even the right password is refused, with a message saying why and how long.
    locked = log_in(client, "Alice", PASSWORD)
    assert locked.status_code == 200  # type: ignore[attr-defined]
    text = locked.content.decode()  # type: ignore[attr-defined]
    assert "Too many failed log-ins" in text and "15 more minutes" in text
    assert "_auth_user_id" not in client.session
    # Refused attempts do not count (nor prolong the lock).
    assert LoginFailure.objects.count() == USER_LIMIT
    # Another user from the same address is not locked by alice's failures.
    User.objects.create_user("bob", password=PASSWORD)
    assert log_in(client, "bob", PASSWORD).status_code == 302  # type: ignore[attr-defined]
    client.logout()
    # The lock ends LOCKOUT after the last failure.
    LoginFailure.objects.update(at=timezone.now() - LOCKOUT - timedelta(seconds=1))
    assert log_in(client, "alice", PASSWORD).status_code == 302  # type: ignore[attr-defined]
    assert not LoginFailure.objects.filter(username="alice").exists()  # reset on success


def test_failures_spread_out_do_not_lock(client: Client, alice: User) -> None:
    now = timezone.now()
    for minutes in (60, 45, 30, 16):  # never five within 15 minutes
        LoginFailure.objects.create(
            username="alice", address="127.0.0.1", at=now - timedelta(minutes=minutes)
        )
    log_in(client, "alice", "wrong")
    assert log_in(client, "alice", PASSWORD).status_code == 302  # type: ignore[attr-defined]


def test_throttled_per_address_behind_a_trusted_proxy(client: Client, alice: User) -> None:
    """Twenty failures from one client address (named by the proxy) lock that address,
    not the proxy's other clients."""
    for n in range(20):
        log_in(client, f"guess{n}", "wrong", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert set(LoginFailure.objects.values_list("address", flat=True)) == {"203.0.113.9"}
    locked = log_in(client, "alice", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert b"Too many failed log-ins" in locked.content  # type: ignore[attr-defined]
    other = log_in(client, "alice", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert other.status_code == 302  # type: ignore[attr-defined]


def test_the_admin_login_is_throttled_too(client: Client) -> None:
    User.objects.create_superuser("root", password=PASSWORD)
    for _ in range(USER_LIMIT):
        client.post("/admin/login/", {"username": "root", "password": "nope"})
    refused = client.post("/admin/login/?next=/admin/", {"username": "root", "password": PASSWORD})
    assert refused.status_code == 200 and b"Too many failed log-ins" in refused.content


def test_security_headers_on_pages_and_api(client: Client) -> None:
    for path in ("/login/", "/api/v1/me", "/api/v1/openapi.json"):
        response = client.get(path)
        assert response["X-Content-Type-Options"] == "nosniff", path
        assert response["Referrer-Policy"] == "same-origin", path
        assert response["X-Frame-Options"] == "DENY", path
        csp = response["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp, path
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, path


@pytest.mark.parametrize(
    ("environment", "secure", "hours"),
    [
        ({"ACCORD_SITE_URL": "https://accord.example.com"}, True, 12),
        ({"ACCORD_SITE_URL": "http://127.0.0.1:8000", "ACCORD_SESSION_HOURS": "2"}, False, 2),
        ({"ACCORD_SITE_URL": "https://a.example", "ACCORD_SECURE_COOKIES": "false"}, False, 12),
    ],
)
def test_cookie_settings_follow_the_environment(
    environment: dict[str, str], secure: bool, hours: int, tmp_path: object
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ACCORD_")}
    env |= {"ACCORD_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "accord.settings"}
    code = (
        "from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_AGE)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=env | environment,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.split() == [str(secure), str(secure), str(hours * 3600)]


def test_a_standalone_document_may_allow_its_inline_styles(rf: object) -> None:
    from django.http import HttpResponse

    from accord.accounts.middleware import SecurityHeadersMiddleware, allow_inline_styles

    middleware = SecurityHeadersMiddleware(lambda request: allow_inline_styles(HttpResponse()))
    csp = middleware(rf.get("/reports/x.html"))["Content-Security-Policy"]  # type: ignore[attr-defined]
    assert "style-src 'self' 'unsafe-inline'" in csp and "script-src 'self';" in csp
    assert "frame-ancestors 'none'" in csp
