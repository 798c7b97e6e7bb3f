"""The API half of the authorisation matrix: "METHOD /api/v1/path" (as in the OpenAPI
schema) → probes. Add a row here for every new endpoint."""

from __future__ import annotations

from tests.api.matrix import (
    CHECKERS,
    DRIVERS,
    EVERYTHING,
    MANAGERS,
    PARTIES_OF_R,
    PEOPLE,
    REVIEWERS,
    L,
    Probe,
    R,
    S,
    U,
    everyone,
    expect,
    only_agreements_seen,
    sees,
    visible,
)

# --- The API: "METHOD /api/v1/path" as in the OpenAPI schema → probes ---

API: dict[str, list[Probe]] = {
    "GET /api/v1/me": [Probe("/me", everyone())],
    "GET /api/v1/parties": [Probe("/parties", everyone())],
    "POST /api/v1/parties": [
        Probe(
            "/parties",
            expect(ok=201, allowed=MANAGERS),
            body=lambda c, who: {"name": f"new-{who}", "role": "customer"},
        )
    ],
    "GET /api/v1/parties/{name}": [
        Probe("/parties/retail-division", visible(EVERYTHING | {"retail", "logistics", "owner"})),
        Probe("/parties/paybridge", visible(EVERYTHING | {"supplier"})),
    ],
    "PATCH /api/v1/parties/{name}": [
        Probe(
            "/parties/retail-division",
            expect(allowed=MANAGERS, seen=EVERYTHING | {"retail", "logistics", "owner"}),
            body={"title": "Retail"},
        )
    ],
    "DELETE /api/v1/parties/{name}": [
        Probe(
            lambda c, who: f"/parties/del-{who}", expect(ok=204, allowed=MANAGERS, seen=EVERYTHING)
        )
    ],
    "GET /api/v1/services": [Probe("/services", everyone())],
    "POST /api/v1/services": [
        Probe("/services", expect(ok=201, allowed=MANAGERS), body=lambda c, w: {"name": f"s-{w}"})
    ],
    "GET /api/v1/services/{name}": [
        Probe("/services/online-store", visible(EVERYTHING | {"owner", "retail"})),
        Probe("/services/warehouse-system", visible(EVERYTHING | {"owner", "logistics"})),
    ],
    "PATCH /api/v1/services/{name}": [
        Probe(
            "/services/online-store",
            expect(allowed=MANAGERS, seen=EVERYTHING | {"owner", "retail"}),
            body={"criticality": "critical"},
        )
    ],
    "DELETE /api/v1/services/{name}": [
        Probe(lambda c, w: f"/services/sdel-{w}", expect(ok=204, allowed=MANAGERS, seen=EVERYTHING))
    ],
    "GET /api/v1/components": [Probe("/components", everyone())],
    "POST /api/v1/components": [
        Probe("/components", expect(ok=201, allowed=MANAGERS), body=lambda c, w: {"name": f"c-{w}"})
    ],
    "GET /api/v1/components/{name}": [
        Probe("/components/payment-gateway", visible(EVERYTHING | {"supplier"})),
        Probe("/components/orders-db", visible(EVERYTHING)),
    ],
    "PATCH /api/v1/components/{name}": [
        Probe(
            "/components/payment-gateway",
            expect(allowed=MANAGERS, seen=EVERYTHING | {"supplier"}),
            body={"status": "live"},
        )
    ],
    "DELETE /api/v1/components/{name}": [
        Probe(
            lambda c, w: f"/components/cdel-{w}", expect(ok=204, allowed=MANAGERS, seen=EVERYTHING)
        )
    ],
    "GET /api/v1/dependencies": [Probe("/dependencies", everyone())],
    "GET /api/v1/agreements": [Probe("/agreements", everyone(), check=only_agreements_seen)],
    "GET /api/v1/agreements/{name}": [
        Probe(f"/agreements/{name}", visible(sees(name))) for name in (R, L, U)
    ],
    "PATCH /api/v1/agreements/{name}": [
        Probe(
            f"/agreements/{R}",
            expect(allowed=MANAGERS | {"owner"}, seen=sees(R)),
            body={"title": "R"},
        ),
        Probe(f"/agreements/{U}", expect(allowed=MANAGERS, seen=sees(U)), body={"title": "U"}),
    ],
    "GET /api/v1/agreements/{name}/versions": [
        Probe(f"/agreements/{name}/versions", visible(sees(name))) for name in (R, L)
    ],
    "GET /api/v1/agreements/{name}/versions/{number}": [
        Probe(f"/agreements/{L}/versions/1", visible(sees(L)))
    ],
    "GET /api/v1/agreements/{name}/targets": [
        Probe(f"/agreements/{name}/targets", visible(sees(name))) for name in (R, U)
    ],
    "GET /api/v1/agreements/{name}/underpinning": [
        Probe(f"/agreements/{R}/underpinning", visible(sees(R)))
    ],
    "GET /api/v1/calendars": [Probe("/calendars", everyone())],
    "GET /api/v1/calendars/{name}": [
        Probe("/calendars/24x7", visible(set(PEOPLE) - {"nobody"})),
        Probe(
            "/calendars/uk-office-hours",
            visible(EVERYTHING | {"owner", "retail", "logistics"}),
        ),
    ],
    "GET /api/v1/results/periods": [
        Probe("/results/periods?limit=1000", everyone(), check=only_agreements_seen)
    ],
    "GET /api/v1/results/clocks": [
        Probe("/results/clocks?limit=1000", everyone(), check=only_agreements_seen)
    ],
    "GET /api/v1/tickets": [Probe("/tickets", everyone())],
    "GET /api/v1/outages": [Probe("/outages", everyone())],
    "GET /api/v1/alerts": [Probe("/alerts?limit=500", everyone(), check=only_agreements_seen)],
    "POST /api/v1/alerts/{alert_id}/ack": [
        Probe(
            lambda c, w: f"/alerts/{c['retail_alert']}/ack",
            expect(allowed=MANAGERS | {"owner"}, seen=sees(R)),
            body={},
        ),
        Probe(
            lambda c, w: f"/alerts/{c['platform_alert']}/ack",
            expect(allowed=MANAGERS, seen=sees("platform-ola")),
            body={},
        ),
    ],
    # Ingestion changes every result: managers and admins (and their feeders) only.
    "POST /api/v1/tickets": [
        Probe(
            "/tickets",
            expect(allowed=MANAGERS),
            body={"tickets": [{"id": "X1", "opened_at": "2026-11-01T00:00:00Z"}], "dry_run": True},
        )
    ],
    "POST /api/v1/events": [
        Probe(
            "/events",
            expect(allowed=MANAGERS),
            body={
                "events": [{"ticket": "X1", "at": "2026-11-01T00:00:00Z", "state": "new"}],
                "dry_run": True,
            },
        )
    ],
    "POST /api/v1/outages": [
        Probe(
            "/outages",
            expect(allowed=MANAGERS),
            body={
                "outages": [{"target": "web-a", "start": "2026-11-01T00:00:00Z"}],
                "dry_run": True,
            },
        )
    ],
    "POST /api/v1/metrics": [
        Probe(
            "/metrics",
            expect(allowed=MANAGERS),
            body={
                "points": [
                    {
                        "series": "s",
                        "start": "2026-11-01T00:00:00Z",
                        "end": "2026-11-01T00:05:00Z",
                        "value": 1,
                    }
                ],
                "dry_run": True,
            },
        )
    ],
    "POST /api/v1/hooks/alertmanager": [
        Probe("/hooks/alertmanager", expect(allowed=MANAGERS), body={"alerts": []})
    ],
}

# The lifecycle (agreements.workflow), on the active retail SLA. Probes are chosen so that
# an allowed caller is refused for a reason of state (409) or input (422), which changes
# nothing, while others get 403 or 404: the role is checked first.
LIFECYCLE: dict[str, list[Probe]] = {
    **{
        f"GET /api/v1/agreements/{{name}}/{what}": [
            Probe(f"/agreements/{R}/{what}", visible(sees(R)))
        ]
        for what in ("transitions", "comments", "approvals", "amendments", "temporary-changes")
    },
    "POST /api/v1/agreements/{name}/transitions": [
        Probe(
            f"/agreements/{R}/transitions",
            expect(ok=409, allowed=DRIVERS, seen=sees(R)),  # active → draft is no step
            body={"to": "draft"},
        ),
    ],
    "POST /api/v1/agreements/{name}/comments": [
        Probe(
            f"/agreements/{R}/comments",
            expect(ok=201, allowed=PARTIES_OF_R, seen=sees(R)),
            body={"body": "a comment"},
        ),
    ],
    "POST /api/v1/agreements/{name}/comments/{comment_id}/adopt": [
        Probe(
            lambda c, w: f"/agreements/{R}/comments/{c['comment']}/adopt",
            expect(ok=409, allowed=DRIVERS, seen=sees(R)),  # a comment without changes
            body={},
        ),
    ],
    "POST /api/v1/agreements/{name}/approvals": [
        # A proposal (the retail customer's SLR, made proposed in context()): a person of
        # a party approves for it; drivers record a named contact's approval instead.
        Probe(
            f"/agreements/{S}/approvals", expect(ok=201, allowed={"retail"}, seen=sees(S)), body={}
        ),
    ],
    "POST /api/v1/agreements/{name}/amendments": [
        Probe(
            f"/agreements/{R}/amendments",
            expect(ok=409, allowed=DRIVERS, seen=sees(R)),  # an unknown field
            body={
                "changes": {"nonsense": 1},
                "reason": "x",
                "effective_from": "2027-01-01T00:00:00Z",
            },
        ),
    ],
    "POST /api/v1/agreements/{name}/amendments/{number}/approvals": [
        Probe(
            lambda c, w: f"/agreements/{R}/amendments/{c['amendment'][w]}/approvals",
            expect(ok=201, allowed={"retail"}, seen=sees(R)),
            body={},
        ),
    ],
    "POST /api/v1/agreements/{name}/amendments/{number}/{decision}": [
        Probe(
            lambda c, w: f"/agreements/{R}/amendments/{c['amendment'][w]}/reject",
            expect(allowed=PARTIES_OF_R, seen=sees(R)),
            body={},
        ),
    ],
    "POST /api/v1/agreements/{name}/temporary-changes": [
        Probe(
            f"/agreements/{R}/temporary-changes",
            expect(ok=409, allowed=PARTIES_OF_R, seen=sees(R)),  # ends before it starts
            body={
                "name": "tc-x",
                "start": "2027-01-02T00:00:00Z",
                "end": "2027-01-01T00:00:00Z",
                "reason": "x",
            },
        ),
    ],
    "POST /api/v1/agreements/{name}/temporary-changes/{change}/approvals": [
        Probe(
            lambda c, w: f"/agreements/{R}/temporary-changes/tc-approve-{w}/approvals",
            expect(ok=201, allowed={"retail"}, seen=sees(R)),
            body={},
        ),
    ],
    "POST /api/v1/agreements/{name}/temporary-changes/{change}/reject": [
        Probe(
            lambda c, w: f"/agreements/{R}/temporary-changes/tc-reject-{w}/reject",
            expect(allowed=PARTIES_OF_R, seen=sees(R)),
            body={},
        ),
    ],
}
REVIEWS: dict[str, list[Probe]] = {
    "GET /api/v1/reviews/": [Probe("/reviews/", everyone())],
    "GET /api/v1/reviews/actions": [Probe("/reviews/actions", everyone())],
    "GET /api/v1/reviews/plans": [Probe("/reviews/plans", everyone())],
    "GET /api/v1/reviews/{review_id}": [
        Probe(lambda c, w: f"/reviews/{c['review']}", visible(sees(R) & REVIEWERS))
    ],
    "GET /api/v1/reviews/plans/{plan_id}": [
        Probe(lambda c, w: f"/reviews/plans/{c['plan']}", visible(sees(R) & REVIEWERS))
    ],
    "GET /api/v1/reviews/process/{year}": [
        Probe("/reviews/process/2026", expect(allowed=EVERYTHING))
    ],
    "POST /api/v1/reviews/actions/{action_id}/status": [
        Probe(
            lambda c, w: f"/reviews/actions/{c['action']}/status",
            expect(allowed=DRIVERS, seen=sees(R) & REVIEWERS),
            body={"status": "open"},
        ),
    ],
    "GET /api/v1/reports/agreements/{name}/{period}": [
        Probe(f"/reports/agreements/{n}/2026-11", visible(sees(n))) for n in (R, U)
    ],
    "GET /api/v1/reports/customers/{party}/{period}": [
        Probe("/reports/customers/retail-division/2026-11", visible(EVERYTHING | {"retail"})),
    ],
    "POST /api/v1/reports/breach-reasons": [
        Probe(
            "/reports/breach-reasons",
            expect(ok=422, allowed=DRIVERS, seen=sees(R)),
            body={
                "agreement": R,
                "target": "no-such-target",
                "category": "other",
                "text": "x",
                "period": "2026-11",
            },
        ),
    ],
}
GOVERNANCE: dict[str, list[Probe]] = {
    "GET /api/v1/governance/checks": [Probe("/governance/checks", expect(allowed=CHECKERS))],
    "POST /api/v1/governance/impact": [
        Probe(
            "/governance/impact",
            expect(allowed=CHECKERS),
            body={
                "components": ["orders-db"],
                "start": "2026-12-01T01:00:00Z",
                "end": "2026-12-01T02:00:00Z",
            },
        ),
    ],
    "GET /api/v1/governance/credits": [Probe("/governance/credits?period=2026-11", everyone())],
    "GET /api/v1/governance/credits.csv": [
        Probe("/governance/credits.csv?period=2026-11", everyone()),
        Probe("/governance/credits.csv?period=2026-11&what=costs", expect(allowed=EVERYTHING)),
    ],
    "GET /api/v1/governance/audit": [
        Probe("/governance/audit", expect(allowed=set(PEOPLE) - {"nobody"}))
    ],
}
API |= LIFECYCLE | REVIEWS | GOVERNANCE
