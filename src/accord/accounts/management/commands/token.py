from argparse import ArgumentParser
from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accord.accounts.models import ApiToken
from accord.accounts.services import create_api_token, revoke_api_token


class Command(BaseCommand):
    help = "Create, list or revoke personal API tokens."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="issue a token and print it once")
        create.add_argument("--user", required=True)
        create.add_argument("--name", required=True, help="what the token is for")
        create.add_argument("--days", type=int, default=None, help="expire after N days")
        listing = sub.add_parser("list", help="list tokens (never their secret)")
        listing.add_argument("--user")
        revoke = sub.add_parser("revoke", help="revoke a token by its prefix")
        revoke.add_argument("prefix")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"_{options['action']}")(options)

    def _create(self, options: dict[str, Any]) -> None:
        user = get_user_model().objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"no user named {options['user']!r}")
        expires = timezone.now() + timedelta(days=options["days"]) if options["days"] else None
        _, plain = create_api_token(user, name=options["name"], expires_at=expires)
        self.stdout.write(plain)

    def _list(self, options: dict[str, Any]) -> None:
        tokens = ApiToken.objects.select_related("user")
        if options["user"]:
            tokens = tokens.filter(user__username=options["user"])
        for t in tokens:
            state = "revoked" if t.revoked_at else f"expires {t.expires_at or 'never'}"
            self.stdout.write(f"{t.prefix}…  {t.user.get_username():<16} {t.name}  ({state})")

    def _revoke(self, options: dict[str, Any]) -> None:
        matches = list(ApiToken.objects.filter(prefix=options["prefix"], revoked_at__isnull=True))
        if len(matches) != 1:
            raise CommandError(f"{len(matches)} live tokens have prefix {options['prefix']!r}")
        revoke_api_token(matches[0])
        self.stdout.write(f"revoked {matches[0]}")
