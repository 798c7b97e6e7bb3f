"""`accord user create|list|set-role`: set people up with a role and its scope."""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accord.accounts.access import role_of
from accord.accounts.models import Membership, Role
from accord.accounts.services import create_user, set_role
from accord.catalogue.models import Party, Subject

ROLES = [r.value for r in Role]


class Command(BaseCommand):
    help = "Create people, list them with their roles, and change their role."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a user with a role")
        create.add_argument("username")
        self._scope_arguments(create)
        create.add_argument("--email", default="")
        create.add_argument(
            "--password-from-stdin",
            action="store_true",
            help="read the password from standard input (else the user cannot log in to "
            "the pages; an API token still works)",
        )
        sub.add_parser("list", help="every user with their role and scope")
        set_role_ = sub.add_parser("set-role", help="change a user's role and scope")
        set_role_.add_argument("username")
        self._scope_arguments(set_role_)

    def _scope_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--role", required=True, choices=ROLES)
        parser.add_argument("--party", help="customer or supplier: the party they speak for")
        parser.add_argument(
            "--service", action="append", default=[], help="owner: a service they own (repeat)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"].replace("-", "_")
        try:
            getattr(self, f"_{action}")(options)
        except ValidationError as exc:
            raise CommandError(_message(exc)) from None

    def _create(self, options: dict[str, Any]) -> None:
        password = None
        if options["password_from_stdin"]:
            password = sys.stdin.readline().rstrip("\n")
            if not password:
                raise CommandError("no password on standard input")
        user = create_user(
            options["username"],
            role=Role(options["role"]),
            password=password,
            email=options["email"],
            **_scope(options),
        )
        self.stdout.write(f"created {_describe(user)}")

    def _set_role(self, options: dict[str, Any]) -> None:
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"no user named {options['username']!r}")
        set_role(user, role=Role(options["role"]), **_scope(options))
        self.stdout.write(f"changed {_describe(user)}")

    def _list(self, options: dict[str, Any]) -> None:
        memberships = {
            m.user_id: m
            for m in Membership.objects.select_related("party").prefetch_related("services")
        }
        for user in get_user_model().objects.order_by("username"):
            user._accord_membership = memberships.get(user.pk)
            self.stdout.write(_describe(user))


def _scope(options: dict[str, Any]) -> dict[str, Any]:
    party = None
    if options["party"]:
        party = Party.objects.filter(name=options["party"]).first()
        if party is None:
            raise CommandError(f"no party named {options['party']!r}")
    services = []
    for name in options["service"]:
        subject = Subject.objects.filter(name=name).first()
        if subject is None:
            raise CommandError(f"no service named {name!r}")
        services.append(subject)
    return {"party": party, "services": services}


def _describe(user: Any) -> str:
    role = role_of(user)
    membership = getattr(user, "_accord_membership", None)
    scope = []
    if membership is not None and membership.party:
        scope.append(f"party {membership.party.name}")
    if membership is not None:
        names = sorted(s.name for s in membership.services.all())
        if names:
            scope.append("services " + ", ".join(names))
    login = "" if user.has_usable_password() else "  (no password: API tokens only)"
    state = "" if user.is_active else "  (inactive)"
    described = role.value if role else "no role (sees nothing)"
    return f"{user.get_username():<20} {described:<9} {'; '.join(scope)}{login}{state}".rstrip()


def _message(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "; ".join(f"{f}: {' '.join(m)}" for f, m in exc.message_dict.items())
    return " ".join(exc.messages)
