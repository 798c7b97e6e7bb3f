"""The REST API under /api/v1 (django-ninja). Each app adds its router here."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError
from ninja.security import HttpBearer

from accord.accounts.services import authenticate_api_token


class TokenAuth(HttpBearer):
    """`Authorization: Bearer acc_…` with a personal API token."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        api_token = authenticate_api_token(token)
        if api_token is None:
            return None
        request.user = api_token.user
        return api_token


api = NinjaAPI(
    title="Accord API",
    version="1",
    description="Service level management: catalogue, agreements, measurements, results.",
    auth=TokenAuth(),
    urls_namespace="api",
)


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    """422 with each problem's field path as a dotted string (`body.tickets.3.opened_at`)."""
    errors = [
        {
            "path": ".".join(str(part) for part in error.get("loc", ())),
            "message": error.get("msg", ""),
            "type": error.get("type", ""),
        }
        for error in exc.errors
    ]
    return api.create_response(request, {"detail": "invalid request", "errors": errors}, status=422)


@api.exception_handler(AuthenticationError)
def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request,
        {"detail": "a valid API token is required (Authorization: Bearer acc_…)"},
        status=401,
    )


@api.get("/me", tags=["accounts"], summary="The user the token belongs to")
def me(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    return {"username": user.get_username(), "is_staff": bool(getattr(user, "is_staff", False))}
