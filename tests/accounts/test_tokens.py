from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from accord.accounts.models import ApiToken
from accord.accounts.services import (
    authenticate_api_token,
    create_api_token,
    digest_of,
    revoke_api_token,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def user() -> User:
    return User.objects.create_user("ingest", password="x" * 12)


def test_token_is_stored_only_as_a_digest(user: User) -> None:
    token, plain = create_api_token(user, name="ci")
    assert plain.startswith("acc_") and len(plain) > 40
    assert token.digest == digest_of(plain) and plain not in token.digest
    assert authenticate_api_token(plain) == token


def test_revoked_expired_and_inactive_tokens_are_refused(user: User) -> None:
    now = timezone.now()
    revoked, revoked_plain = create_api_token(user, name="old")
    revoke_api_token(revoked)
    _, expired_plain = create_api_token(user, name="gone", expires_at=now - timedelta(seconds=1))
    _, live_plain = create_api_token(user, name="live", expires_at=now + timedelta(days=1))
    assert authenticate_api_token(revoked_plain) is None
    assert authenticate_api_token(expired_plain) is None
    assert authenticate_api_token("acc_made-up") is None
    assert authenticate_api_token(live_plain) is not None
    user.is_active = False
    user.save()
    assert authenticate_api_token(live_plain) is None


def test_api_requires_a_bearer_token(client: Client, user: User) -> None:
    _, plain = create_api_token(user, name="ci")
    refused = client.get("/api/v1/me")
    assert refused.status_code == 401
    assert "API token" in refused.json()["detail"]
    ok = client.get("/api/v1/me", headers={"Authorization": f"Bearer {plain}"})
    assert ok.status_code == 200 and ok.json()["username"] == "ingest"


def test_openapi_schema_is_published(client: Client) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["info"]["title"] == "Accord API"
    assert "/api/v1/me" in schema["paths"]


def test_token_command(user: User) -> None:
    out = StringIO()
    call_command("token", "create", "--user", "ingest", "--name", "ci", "--days", "30", stdout=out)
    plain = out.getvalue().strip()
    assert authenticate_api_token(plain) is not None
    listing = StringIO()
    call_command("token", "list", stdout=listing)
    assert plain[:12] in listing.getvalue() and plain not in listing.getvalue()
    call_command("token", "revoke", plain[:12], stdout=StringIO())
    assert ApiToken.objects.get().revoked_at is not None
