"""The REST API under /api/v1 (django-ninja). Each app adds its router here."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError
from ninja.security import HttpBearer

from accord.accounts.services import authenticate_api_token
from accord.agreements.workflow_api import router as workflow_router
from accord.alerts.api import router as alerts_router
from accord.governance.api import router as governance_router
from accord.measurements.alertmanager import router as hooks_router
from accord.measurements.api import router as measurements_router
from accord.reviews.api import router as reviews_router
from accord.reviews.report_api import router as reports_router


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


@api.exception_handler(RequestDataTooBig)
def too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    detail = f"the request body is larger than {limit} bytes (ACCORD_MAX_REQUEST_BYTES)"
    return api.create_response(request, {"detail": detail}, status=413)


@api.get("/me", tags=["accounts"], summary="The user the token belongs to")
def me(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    return {"username": user.get_username(), "is_staff": bool(getattr(user, "is_staff", False))}


api.add_router("/alerts", alerts_router)
api.add_router("/", measurements_router)
api.add_router("/hooks", hooks_router)
api.add_router("/reports", reports_router)
api.add_router("/reviews", reviews_router)
api.add_router("/governance", governance_router)
api.add_router("/agreements", workflow_router)
