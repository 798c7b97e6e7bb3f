"""The page half of the authorisation matrix: Django URL route → probes. Add a row here
for every new page."""

from __future__ import annotations

from tests.api.matrix import (
    CHECKERS,
    DRIVERS,
    EVERYTHING,
    LOGIN,
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
    page,
    pages_for_everyone,
    post,
    sees,
)

# --- Pages: the URL resolver's route → probes. Anonymous visitors are sent to log in. ---

W = f"/agreements/{R}/workflow"
WORKFLOW_PAGES: dict[str, list[Probe]] = {
    "agreements/<str:name>/workflow/": [Probe(f"{W}/", page(sees(R)))],
    "agreements/<str:name>/workflow/transition/": [
        Probe(f"{W}/transition/", post(DRIVERS, sees(R), ok=302), body={"to": "draft"})
    ],
    "agreements/<str:name>/workflow/comments/": [
        Probe(f"{W}/comments/", post(PARTIES_OF_R, sees(R), ok=302), body={"body": "hello"})
    ],
    "agreements/<str:name>/workflow/comments/<int:comment_id>/adopt/": [
        Probe(
            lambda c, w: f"{W}/comments/{c['comment']}/adopt/",
            post(DRIVERS, sees(R), ok=302),
            body={},
        )
    ],
    "agreements/<str:name>/workflow/approvals/": [
        Probe(f"/agreements/{S}/workflow/approvals/", post({"retail"}, sees(S), ok=302), body={})
    ],
    "agreements/<str:name>/workflow/amendments/": [
        # Forms are checked before roles: a complete form, refused for its content.
        Probe(
            f"{W}/amendments/",
            post(DRIVERS, sees(R), ok=302),
            body={
                "reason": "x",
                "effective_from": "2027-01-01T00:00",
                "changes": '{"nonsense": 1}',
            },
        )
    ],
    "agreements/<str:name>/workflow/amendments/<int:number>/approve/": [
        Probe(
            lambda c, w: f"{W}/amendments/{c['amendment'][w]}/approve/",
            post({"retail"}, sees(R), ok=302),
            body={},
        )
    ],
    "agreements/<str:name>/workflow/temporary-changes/": [
        Probe(
            f"{W}/temporary-changes/",
            post(PARTIES_OF_R, sees(R), ok=302),
            body={
                "name": "tcx",
                "start": "2027-01-02T00:00",
                "end": "2027-01-01T00:00",
                "reason": "x",
            },
        )
    ],
    "agreements/<str:name>/workflow/temporary-changes/<str:change>/<str:decision>/": [
        Probe(
            lambda c, w: f"{W}/temporary-changes/tc-reject-{w}/reject/",
            post(PARTIES_OF_R, sees(R), ok=302),
            body={},
        )
    ],
}
SEES_REVIEW = sees(R) & REVIEWERS
REVIEW_PAGES: dict[str, list[Probe]] = {
    "reviews/": [Probe("/reviews/", pages_for_everyone())],
    "reviews/<int:pk>/": [Probe(lambda c, w: f"/reviews/{c['review']}/", page(SEES_REVIEW))],
    "reviews/<int:pk>/pack.<str:fmt>": [
        Probe(lambda c, w: f"/reviews/{c['review']}/pack.json", page(SEES_REVIEW))
    ],
    "reviews/<int:pk>/record/": [
        Probe(
            lambda c, w: f"/reviews/{c['review']}/record/",
            post(DRIVERS, SEES_REVIEW, ok=400),
            body={},
        )
    ],
    "reviews/<int:pk>/cancel/": [
        Probe(
            lambda c, w: f"/reviews/{c['review']}/cancel/",
            post(DRIVERS, SEES_REVIEW, ok=400),
            body={},
        )
    ],
    "reviews/<int:pk>/actions/": [
        Probe(
            lambda c, w: f"/reviews/{c['review']}/actions/",
            post(DRIVERS, SEES_REVIEW, ok=400),
            body={},
        )
    ],
    "reviews/actions/": [Probe("/reviews/actions/", pages_for_everyone())],
    "reviews/actions/<int:pk>/status/": [
        Probe(
            lambda c, w: f"/reviews/actions/{c['action']}/status/",
            post(DRIVERS, SEES_REVIEW, ok=302),
            body={"status": "open"},
        )
    ],
    "reviews/plans/": [Probe("/reviews/plans/", pages_for_everyone())],
    "reviews/plans/new/": [Probe("/reviews/plans/new/", post(DRIVERS, None))],
    "reviews/plans/<int:pk>/": [
        Probe(lambda c, w: f"/reviews/plans/{c['plan']}/", page(SEES_REVIEW))
    ],
    "reviews/plans/<int:pk>/status/": [
        Probe(
            lambda c, w: f"/reviews/plans/{c['plan']}/status/",
            post(DRIVERS, SEES_REVIEW, ok=302),
            body={},
        )
    ],
    "reviews/plans/<int:pk>/actions/": [
        Probe(
            lambda c, w: f"/reviews/plans/{c['plan']}/actions/",
            post(DRIVERS, SEES_REVIEW, ok=302),
            body={},
        )
    ],
    "reviews/process/<int:year>/": [Probe("/reviews/process/2026/", post(EVERYTHING, None))],
}
REPORT_PAGES: dict[str, list[Probe]] = {
    "reports/": [Probe("/reports/", pages_for_everyone())],
    "reports/agreements/<str:name>/<str:period>/": [
        Probe(f"/reports/agreements/{n}/2026-11/", page(sees(n))) for n in (R, U)
    ],
    "reports/customers/<str:party>/<str:period>/": [
        Probe("/reports/customers/retail-division/2026-11/", page(EVERYTHING | {"retail"}))
    ],
    "reports/breach-reasons/": [
        Probe(
            "/reports/breach-reasons/",
            post(DRIVERS, sees(R), ok=302),
            body={"agreement": R, "target": "no-such-target", "category": "other", "text": "x"},
        )
    ],
}
GOVERNANCE_PAGES: dict[str, list[Probe]] = {
    "governance/": [Probe("/governance/", pages_for_everyone())],
    "governance/checks/": [Probe("/governance/checks/", post(CHECKERS, None))],
    "governance/impact/": [Probe("/governance/impact/", post(CHECKERS, None))],
    "governance/credits/": [Probe("/governance/credits/?period=2026-11", pages_for_everyone())],
    "governance/credits.csv": [
        Probe("/governance/credits.csv?period=2026-11", pages_for_everyone())
    ],
    "governance/costs.csv": [Probe("/governance/costs.csv?period=2026-11", post(EVERYTHING, None))],
    "governance/audit/": [Probe("/governance/audit/", post(set(PEOPLE) - {"nobody"}, None))],
}

PAGES: dict[str, list[Probe]] = {
    "": [Probe("/", pages_for_everyone())],
    "login/": [Probe("/login/", {"anonymous": 200} | dict.fromkeys(PEOPLE, 302))],
    "agreements/<str:name>/": [Probe(f"/agreements/{n}/", page(sees(n))) for n in (R, L, U)],
    "agreements/<str:name>/burndown/": [
        Probe(f"/agreements/{n}/burndown/", page(sees(n))) for n in (R, U)
    ],
    "agreements/<str:name>/targets/<str:target>/breaches/": [
        Probe(f"/agreements/{R}/targets/availability/breaches/", page(sees(R)))
    ],
    "catalogue/": [Probe("/catalogue/", pages_for_everyone())],
    "catalogue/<str:name>/": [
        Probe("/catalogue/online-store/", page(EVERYTHING | {"owner", "retail"})),
        Probe("/catalogue/payment-gateway/", page(EVERYTHING | {"supplier"})),
    ],
    "tickets/<int:ticket>/": [
        Probe(
            lambda c, w: f"/tickets/{c['retail_ticket']}/", page(EVERYTHING | {"owner", "retail"})
        ),
        Probe(lambda c, w: f"/tickets/{c['logistics_ticket']}/", page(EVERYTHING | {"logistics"})),
    ],
    "tickets/<int:ticket>/clocks/<str:agreement>/<str:target>/": [
        Probe(lambda c, w: c["retail_clock"], page(EVERYTHING | {"owner", "retail"})),
    ],
    "alerts/": [Probe("/alerts/", pages_for_everyone())],
    "alerts/<int:alert>/acknowledge/": [
        Probe(
            lambda c, w: f"/alerts/{c['retail_alert']}/acknowledge/",
            expect(ok=302, allowed=MANAGERS | {"owner"}, seen=sees(R), anonymous=LOGIN),
            body={},
        )
    ],
    "search/": [Probe("/search/?q=store", pages_for_everyone())],
    "agreements/<str:name>/targets/": [Probe(f"/agreements/{R}/targets/", page(sees(R)))],
    **WORKFLOW_PAGES,
    **REVIEW_PAGES,
    **REPORT_PAGES,
    **GOVERNANCE_PAGES,
    # The API's description is public: it holds no data.
    "api/v1/openapi.json": [Probe("/api/v1/openapi.json", everyone(anonymous=200))],
    "api/v1/docs": [Probe("/api/v1/docs", everyone(anonymous=200))],
    # Last: it ends the sessions the probes above use.
    "logout/": [Probe("/logout/", everyone(ok=302, anonymous=302), body={})],
}
# The Django admin: staff (admins) only; everyone else is sent to the admin's log-in.
ADMIN: list[Probe] = [
    Probe(path, {"anonymous": 302} | dict.fromkeys(PEOPLE, 302) | {"admin": 200})
    for path in ("/admin/", "/admin/accounts/membership/", "/admin/agreements/agreement/")
]
# Routes that are no page of their own.
NOT_PAGES = {
    "api/v1/": "django-ninja's root, used only to reverse the API's URLs",
}
