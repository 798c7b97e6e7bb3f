"""Attributes the changes a request makes (pages, admin, API) to its user in the audit trail."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from accord.governance.audit import acting_as


class AuditActorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # The user is read when a change is recorded: API token auth sets it later.
        with acting_as(name="anonymous", request=request):
            return self.get_response(request)
