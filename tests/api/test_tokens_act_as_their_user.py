"""A token acts with its user's role and scope, nothing more, and follows changes to it."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from accord.accounts.models import Role
from accord.accounts.services import set_role
from accord.catalogue.models import Party
from tests.api.conftest import Call

pytestmark = pytest.mark.django_db


def test_me_says_whose_token_it_is(call: Call) -> None:
    assert call("retail", "get", "/me").json() == {
        "username": "retail",
        "is_staff": False,
        "role": "customer",
        "party": "retail-division",
        "services": [],
    }
    owner = call("owner", "get", "/me").json()
    assert owner["role"] == "owner" and owner["services"] == ["online-store"]
    admin = call("admin", "get", "/me").json()
    assert admin["role"] == "admin" and admin["is_staff"] is True
    assert call("nobody", "get", "/me").json()["role"] is None


def test_a_new_role_applies_to_existing_tokens_at_once(call: Call, people: dict[str, User]) -> None:
    assert call("retail", "post", "/parties", {"name": "p1", "role": "customer"}).status_code == 403
    set_role(people["retail"], role=Role.MANAGER)
    assert call("retail", "post", "/parties", {"name": "p1", "role": "customer"}).status_code == 201
    set_role(people["retail"], role=Role.SUPPLIER, party=Party.objects.get(name="paybridge"))
    listed = call("retail", "get", "/agreements").json()
    assert [a["name"] for a in listed["items"]] == ["paybridge-uc"]
    people["retail"].is_active = False
    people["retail"].save()
    assert call("retail", "get", "/agreements").status_code == 401
