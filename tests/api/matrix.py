"""The vocabulary of the authorisation matrix (tests/api/test_authorisation_matrix.py):
who is who, what a probe is, and the expected statuses.

Statuses: 200/201/204 allowed; 403 seen but not allowed; 404 not visible (existence is
not revealed); 401 (API) or 302 to the log-in page (pages) for anonymous callers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.api.conftest import PEOPLE, SEES

ROLES = ["anonymous", *PEOPLE]  # anonymous: no token / not logged in
LOGGED_IN = list(PEOPLE)
MANAGERS = {"admin", "manager"}
EVERYTHING = {"admin", "manager", "viewer"}

Ctx = dict[str, Any]
Value = Any  # a value, or a function (ctx, role) -> value


def sees(agreement: str) -> set[str]:
    return {who for who in PEOPLE if agreement in SEES[who]}


def expect(
    *, ok: int = 200, allowed: set[str], seen: set[str] | None = None, anonymous: int = 401
) -> dict[str, int]:
    """`allowed` get `ok`; those who see the object but may not do this get 403; the
    rest 404 (or, when `seen` is None, 403: the endpoint is about no particular object)."""
    out = {"anonymous": anonymous}
    for who in PEOPLE:
        if who in allowed:
            out[who] = ok
        elif seen is None or who in seen:
            out[who] = 403
        else:
            out[who] = 404
    return out


def visible(allowed: set[str], anonymous: int = 401, ok: int = 200) -> dict[str, int]:
    """Reading one object: those who may not see it get 404."""
    return expect(ok=ok, allowed=allowed, seen=allowed, anonymous=anonymous)


def everyone(ok: int = 200, anonymous: int = 401) -> dict[str, int]:
    return {"anonymous": anonymous} | dict.fromkeys(PEOPLE, ok)


@dataclass
class Probe:
    path: Value
    statuses: dict[str, int]
    body: Value = None
    check: Callable[[Ctx, str, Any], None] | None = None  # extra checks on a 200
    roles: list[str] = field(default_factory=lambda: ROLES)


def at(value: Value, ctx: Ctx, who: str) -> Any:
    return value(ctx, who) if callable(value) else value


def only_agreements_seen(ctx: Ctx, who: str, body: Any) -> None:
    names = {item.get("agreement") or item.get("name") for item in body["items"]}
    assert names <= SEES[who], (who, names - SEES[who])


R = "retail-online-store-sla"
L = "logistics-warehouse-sla"
U = "paybridge-uc"
S = "analytics-slr"  # the retail customer's service level requirement

DRIVERS = MANAGERS | {"owner"}  # can_change_agreement(R)
PARTIES_OF_R = DRIVERS | {"retail"}  # may comment: drivers and the parties' people
REVIEWERS = set(PEOPLE) - {"supplier", "nobody"}  # reviews.services: suppliers see no reviews
CHECKERS = EVERYTHING | {"owner"}  # governance.checks.may_see_checks


# --- Pages ---

LOGIN = 302


def page(allowed: set[str], ok: int = 200) -> dict[str, int]:
    return expect(ok=ok, allowed=allowed, seen=allowed, anonymous=LOGIN)


def pages_for_everyone(ok: int = 200) -> dict[str, int]:
    return everyone(ok=ok, anonymous=LOGIN)


def post(allowed: set[str], seen: set[str] | None, ok: int = 200) -> dict[str, int]:
    """A form post: `ok` is what an allowed person gets for the (deliberately incomplete)
    form — the form again with its errors (200) or a redirect with a message (302)."""
    return expect(ok=ok, allowed=allowed, seen=seen, anonymous=LOGIN)
