"""Browser tests: Playwright for Python driving Debian's Chromium (never a downloaded
browser) against pytest-django's `live_server`.

`live_server` serves from another thread, which sees only committed rows, so these
tests use `transactional_db` and build the demo estate here rather than through
`demo_estate` (which uses `db`, whose rows stay inside the test's transaction).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connections

from tests.conftest import DEMO_AS_OF, DEMO_MANIFESTS, REPO

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = REPO / "var" / "artifacts"
PASSWORD = "correct horse battery staple"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]


@pytest.fixture
def allow_orm_beside_playwright(monkeypatch: pytest.MonkeyPatch) -> None:
    """Playwright's sync API runs an asyncio event loop in the test's thread, and Django
    refuses ORM calls from a thread with a running loop (SynchronousOnlyOperation). The
    test's own ORM calls are ordinary blocking calls that never run inside the loop, so
    the check is switched off — for these tests only, and undone after each."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def browser_estate(
    allow_orm_beside_playwright: None, transactional_db: None, django_db_serialized_rollback: None
) -> datetime:
    """`demo_estate` on committed rows. Serialized rollback restores what migrations
    created (the built-in 24x7 calendar) in case a transactional test before this one
    flushed it."""
    from django.utils import timezone

    from accord.evaluation.services import agreements_in_force, evaluate_agreement
    from accord.manifests.apply import apply_paths
    from accord.measurements.demo import generate

    as_of = datetime.fromisoformat(DEMO_AS_OF)
    apply_paths([DEMO_MANIFESTS], effective_from=timezone.now())
    generate(as_of=as_of, seed=2026)
    for agreement in agreements_in_force():
        evaluate_agreement(agreement, as_of=as_of, full=True)
    return as_of


@pytest.fixture
def person() -> Any:
    """Make a user with a role (and the party it speaks for) who logs in with PASSWORD."""
    from accord.accounts.models import Membership, Role
    from accord.catalogue.models import Party

    def make(username: str, role: Role, party: str | None = None) -> User:
        user = User.objects.create_user(username, password=PASSWORD)
        scope = Party.objects.get(name=party) if party else None
        Membership.objects.create(user=user, role=role, party=scope)
        return user

    return make


@pytest.fixture
def page(browser_estate: datetime, live_server: Any) -> Iterator[Any]:
    """A fresh browser per test: the Playwright loop must not outlive the test, or later
    tests in the same process would run beside it."""
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed at /usr/bin/chromium (.ci/run installs it)")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
        context.set_default_timeout(15_000)
        yield context.new_page()
        context.close()
        browser.close()
        # While Playwright's loop runs, Django keeps the test's database connection in a
        # context of its own (asgiref's Local follows the running loop), which the usual
        # teardown does not reach; left open, PostgreSQL refuses to drop the test database.
        connections.close_all()


@pytest.fixture
def log_in(page: Any, live_server: Any) -> Any:
    """Log in through the login form, as a person would; lands on the dashboard."""

    def submit(username: str) -> None:
        page.goto(f"{live_server.url}/login/")
        page.get_by_label("User name").fill(username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(f"{live_server.url}/")

    return submit
