"""`accord user create|list|set-role`, and the scope checks of accounts.services."""

from __future__ import annotations

import io
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.test import Client

from accord.accounts.access import role_of, visible_agreements
from accord.accounts.models import Membership, Role
from accord.catalogue.models import Party, Subject

pytestmark = pytest.mark.django_db


@pytest.fixture
def parties() -> None:
    Party.objects.create(name="retail", role="customer")
    Party.objects.create(name="paybridge", role="supplier")
    Party.objects.create(name="ops", role="provider")
    Subject.objects.create(name="shop", kind="service")
    Subject.objects.create(name="db", kind="component")


def run(*args: str) -> str:
    out = StringIO()
    call_command("user", *args, stdout=out)
    return out.getvalue()


def test_create_a_customer_who_can_log_in(
    parties: None, monkeypatch: pytest.MonkeyPatch, client: Client
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough pass phrase\n"))
    said = run(
        "create", "carol", "--role", "customer", "--party", "retail", "--password-from-stdin"
    )
    assert said.strip() == "created carol                customer  party retail"
    carol = User.objects.get(username="carol")
    assert role_of(carol) == Role.CUSTOMER and not carol.is_staff
    assert carol.membership.party.name == "retail"
    response = client.post(
        "/login/", {"username": "carol", "password": "a long enough pass phrase"}
    )
    assert response.status_code == 302


def test_create_owner_admin_and_list(parties: None) -> None:
    run("create", "olga", "--role", "owner", "--service", "shop", "--party", "ops")
    run("create", "root", "--role", "admin")
    run("create", "feeder", "--role", "manager")
    root = User.objects.get(username="root")
    assert root.is_superuser and root.is_staff  # admins run the admin site
    User.objects.create_user("drifter")
    lines = run("list").splitlines()
    assert [line.split()[0] for line in lines] == ["drifter", "feeder", "olga", "root"]
    assert "no role (sees nothing)" in lines[0]
    assert "owner" in lines[2] and "party ops; services shop" in lines[2]
    assert "(no password: API tokens only)" in lines[1]


def test_set_role_replaces_the_scope(parties: None) -> None:
    run("create", "root", "--role", "admin")
    said = run("set-role", "root", "--role", "supplier", "--party", "paybridge")
    assert "supplier" in said and "party paybridge" in said
    root = User.objects.get(username="root")
    assert not root.is_superuser and not root.is_staff
    assert role_of(root) == Role.SUPPLIER
    assert Membership.objects.filter(user=root).count() == 1
    assert list(visible_agreements(root)) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["create", "x", "--role", "customer"], "party: a customer speaks for a party"),
        (["create", "x", "--role", "customer", "--party", "paybridge"], "paybridge is a supplier"),
        (["create", "x", "--role", "supplier", "--party", "nowhere"], "no party named 'nowhere'"),
        (["create", "x", "--role", "owner"], "a service owner needs services"),
        (["create", "x", "--role", "owner", "--service", "db"], "db is a component"),
        (["create", "x", "--role", "manager", "--party", "retail"], "sees everything"),
        (["set-role", "ghost", "--role", "viewer"], "no user named 'ghost'"),
    ],
)
def test_mistakes_are_refused_whole(parties: None, args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        run(*args)
    assert not User.objects.filter(username="x").exists()


def test_weak_or_missing_passwords_are_refused(
    parties: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("password\n"))
    with pytest.raises(CommandError, match="too common"):
        run("create", "weak", "--role", "viewer", "--password-from-stdin")
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    with pytest.raises(CommandError, match="no password on standard input"):
        run("create", "weak", "--role", "viewer", "--password-from-stdin")
    assert not User.objects.filter(username="weak").exists()
