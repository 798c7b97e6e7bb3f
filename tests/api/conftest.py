"""People with every role on the Northwind estate, and a client that calls the API as
one of them."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from accord.accounts.models import Role
from accord.accounts.services import create_api_token, create_user
from accord.catalogue.models import Party, Subject
from accord.manifests.apply import apply_paths
from tests.conftest import DEMO_MANIFESTS

# Who is who on the Northwind estate: (role, party, services).
PEOPLE: dict[str, tuple[Role | None, str | None, list[str]]] = {
    "admin": (Role.ADMIN, None, []),
    "manager": (Role.MANAGER, None, []),
    "viewer": (Role.VIEWER, None, []),
    "owner": (Role.OWNER, None, ["online-store"]),
    "retail": (Role.CUSTOMER, "retail-division", []),
    "logistics": (Role.CUSTOMER, "logistics-division", []),
    "supplier": (Role.SUPPLIER, "paybridge", []),
    "nobody": (None, None, []),  # logged in, but no membership: sees nothing
}
ALL_AGREEMENTS = {
    "analytics-slr",
    "cumulus-hosting-uc",
    "logistics-warehouse-sla",
    "ostara-corporate",
    "paybridge-uc",
    "platform-ola",
    "retail-online-store-sla",
    "service-desk-ola",
}
# What each person may see, decided by hand from the manifests (not by the code).
SEES = {
    "admin": ALL_AGREEMENTS,
    "manager": ALL_AGREEMENTS,
    "viewer": ALL_AGREEMENTS,
    "owner": {"retail-online-store-sla", "service-desk-ola"},
    "retail": {"analytics-slr", "ostara-corporate", "retail-online-store-sla"},
    "logistics": {"logistics-warehouse-sla", "ostara-corporate"},
    "supplier": {"paybridge-uc"},
    "nobody": set(),
}

Call = Callable[..., Any]


def make_people(password: str | None = None) -> dict[str, User]:
    """Every person of PEOPLE. Without a password (hashing one takes a while), they use
    API tokens, or the test client's force_login."""
    users = {}
    for username, (role, party, services) in PEOPLE.items():
        if role is None:
            users[username] = User.objects.create_user(username, password=password)
            continue
        users[username] = create_user(
            username,
            role=role,
            party=Party.objects.get(name=party) if party else None,
            services=list(Subject.objects.filter(name__in=services)),
            password=password,
        )
    return users


def api_client(client: Client, users: dict[str, User]) -> Call:
    """call(who, method, path, body=None) → response; who=None calls without a token."""
    tokens = {name: create_api_token(user, name="test")[1] for name, user in users.items()}

    def call(who: str | None, method: str, path: str, body: Any = None) -> Any:
        headers = {"Authorization": f"Bearer {tokens[who]}"} if who else {}
        url = path if path.startswith("/api/") else f"/api/v1{path}"
        if method == "get":
            return client.get(url, headers=headers)
        data = json.dumps(body) if body is not None else ""
        send = getattr(client, method)
        return send(url, data=data, content_type="application/json", headers=headers)

    return call


@pytest.fixture
def estate(db: None) -> None:
    """The Northwind manifests (no measurements): fast, for the API's own tests."""
    apply_paths([DEMO_MANIFESTS], effective_from=timezone.now())


@pytest.fixture
def people(estate: None) -> dict[str, User]:
    return make_people()


@pytest.fixture
def call(client: Client, people: dict[str, User]) -> Call:
    return api_client(client, people)
