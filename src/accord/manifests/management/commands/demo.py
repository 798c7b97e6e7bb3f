import secrets
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.utils import timezone

from accord.accounts.models import Role
from accord.accounts.services import create_user
from accord.agreements.jobs import run_lifecycle
from accord.catalogue.models import Party, Subject
from accord.manifests.apply import apply_paths
from accord.measurements.demo import DEFAULT_SEED, generate
from accord.measurements.management.arguments import instant

DEMO_MANIFESTS = Path(__file__).resolve().parents[2] / "demo"


class Command(BaseCommand):
    help = (
        "Load the Northwind demo (manifests and six months of measurements) and make sure "
        "a demo administrator exists. Running it again changes nothing."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--as-of", type=instant, metavar="ISO", help="the demo's now (default: now)"
        )
        parser.add_argument(
            "--seed", type=int, default=DEFAULT_SEED, help=f"default {DEFAULT_SEED}"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        plan = apply_paths([DEMO_MANIFESTS], effective_from=timezone.now())
        self.stdout.write(f"demo manifests: {plan.summary()}")
        as_of = options["as_of"] or timezone.now()
        # The dates of the manifests have come: agreements move on as the worker's
        # lifecycle job would move them, before their measurements are evaluated.
        moved = run_lifecycle(now=as_of)
        steps = ", ".join(f"{k} {v}" for k, v in moved.items() if v)
        self.stdout.write(f"lifecycle: {steps or 'nothing to move on'}")
        report = generate(as_of=as_of, seed=options["seed"])
        self.stdout.write("\n".join(report.lines()))
        username, password = ensure_demo_admin(Path(settings.DATA_DIR))
        people = ensure_demo_people(password)
        self.stdout.write(
            f"Log in at {settings.SITE_URL}/ as {username!r} with password {password!r} "
            f"(kept in {Path(settings.DATA_DIR) / 'demo-credentials'}); the same password "
            f"opens {', '.join(people)} to see what each role sees"
        )


# One person per scoped role, to show what each may see: (user, role, party, services).
DEMO_PEOPLE = (
    ("manager", Role.MANAGER, None, ()),
    ("store-owner", Role.OWNER, "ostara-it", ("online-store",)),
    ("retail", Role.CUSTOMER, "retail-division", ()),
    ("logistics", Role.CUSTOMER, "logistics-division", ()),
    ("cumulus", Role.SUPPLIER, "cumulus-cloud", ()),
    ("auditor", Role.VIEWER, None, ()),
)


def ensure_demo_people(password: str) -> list[str]:
    """The demo's people, made once (an existing user of the same name is left alone)."""
    user_model = get_user_model()
    made = []
    for username, role, party, services in DEMO_PEOPLE:
        if not user_model.objects.filter(username=username).exists():
            create_user(
                username,
                role=role,
                party=Party.objects.get(name=party) if party else None,
                services=list(Subject.objects.filter(name__in=services)),
                password=password,
            )
        made.append(f"{username} ({role.value})")
    return made


def ensure_demo_admin(data_dir: Path) -> tuple[str, str]:
    """An `admin` superuser with a random password kept beside the database.

    The password is made once and reused, so `make run` always prints one that works.
    """
    path = data_dir / "demo-credentials"
    if path.exists():
        username, password = path.read_text().strip().split(":", 1)
    else:
        username, password = "admin", secrets.token_urlsafe(12)
    user_model = get_user_model()
    user = user_model.objects.filter(username=username).first()
    if user is None:
        user_model.objects.create_superuser(username, f"{username}@localhost", password)
    elif not user.check_password(password):
        user.set_password(password)
        user.save(update_fields=["password"])
    data_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{username}:{password}\n")
    path.chmod(0o600)
    return username, password
