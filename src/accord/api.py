"""The REST API under /api/v1 (django-ninja). Each app adds its router here."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as ModelValidationError
from django.db.models import ProtectedError
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError
from ninja.security import HttpBearer

from accord.accounts.access import role_of
from accord.accounts.services import authenticate_api_token
from accord.agreements.api import router as agreements_router
from accord.agreements.workflow import TransitionRefused
from accord.agreements.workflow_api import router as workflow_router
from accord.alerts.api import router as alerts_router
from accord.catalogue.api import router as catalogue_router
from accord.evaluation.api import router as results_router
from accord.governance.api import router as governance_router
from accord.governance.audit_api import router as audit_router
from accord.measurements.alertmanager import router as hooks_router
from accord.measurements.api import router as measurements_router
from accord.reviews.api import router as reviews_router
from accord.reviews.report_api import router as reports_router

logger = logging.getLogger("accord.api")


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
            "path": ".".join(str(part) for part in _json_path(error.get("loc", ()))),
            "message": error.get("msg", ""),
            "type": error.get("type", ""),
        }
        for error in exc.errors
    ]
    return api.create_response(request, {"detail": "invalid request", "errors": errors}, status=422)


def _json_path(loc: Any) -> list[Any]:
    """A body taken whole as one schema parameter named `body` is reported by django-ninja
    at `body.body.<field>`; the JSON sent has the field at `body.<field>`."""
    parts = list(loc)
    return parts[1:] if parts[:2] == ["body", "body"] else parts


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


@api.exception_handler(PermissionDenied)
def permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    """403: the token's user may see the object but their role does not allow this."""
    detail = str(exc) or "your role does not allow this"
    return api.create_response(request, {"detail": detail}, status=403)


@api.exception_handler(ModelValidationError)
def model_validation_error(request: HttpRequest, exc: ModelValidationError) -> HttpResponse:
    """422 for what only the database can check (a name taken, an unknown party), in the
    same form as schema errors: `body.<field>`."""
    fields = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
    errors = [
        {
            "path": f"body.{field}" if field and field != "__all__" else "body",
            "message": message,
            "type": "value_error",
        }
        for field, messages in fields.items()
        for message in messages
    ]
    return api.create_response(request, {"detail": "invalid request", "errors": errors}, status=422)


@api.exception_handler(TransitionRefused)
def transition_refused(request: HttpRequest, exc: TransitionRefused) -> HttpResponse:
    """409: the lifecycle does not allow this step now; the message says why."""
    return api.create_response(request, {"detail": str(exc)}, status=409)


@api.exception_handler(ProtectedError)
def protected(request: HttpRequest, exc: ProtectedError) -> HttpResponse:
    """409: deleting something other objects still refer to."""
    names = sorted({str(getattr(obj, "name", obj)) for obj in exc.protected_objects})
    shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    detail = f"still referred to by {shown}; remove or change those first"
    return api.create_response(request, {"detail": detail}, status=409)


@api.exception_handler(Exception)
def server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    """500 as JSON like every other API error; the traceback goes to the log. More
    specific exceptions (404, 403, 409, 422 …) keep their own handlers above."""
    logger.error("API error on %s %s", request.method, request.path, exc_info=exc)
    detail = "internal error; it has been logged on the server"
    return api.create_response(request, {"detail": detail}, status=500)


@api.get("/me", tags=["accounts"], summary="The user the token belongs to, and their role")
def me(request: HttpRequest) -> dict[str, Any]:
    """A token acts with its user's role and scope, nothing more."""
    user = request.user
    membership = getattr(user, "membership", None) if role_of(user) else None
    role = role_of(user)
    return {
        "username": user.get_username(),
        "is_staff": bool(getattr(user, "is_staff", False)),
        "role": role.value if role else None,
        "party": membership.party.name if membership and membership.party else None,
        "services": sorted(s.name for s in membership.services.all()) if membership else [],
    }


api.add_router("/alerts", alerts_router)
api.add_router("/", catalogue_router)
api.add_router("/", agreements_router)
api.add_router("/results", results_router)
api.add_router("/", measurements_router)
api.add_router("/hooks", hooks_router)
api.add_router("/reports", reports_router)
api.add_router("/reviews", reviews_router)
api.add_router("/governance/audit", audit_router)
api.add_router("/governance", governance_router)
api.add_router("/agreements", workflow_router)
