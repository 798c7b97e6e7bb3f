"""Security headers Django 5.2 does not set itself (it sets X-Content-Type-Options,
Referrer-Policy, Cross-Origin-Opener-Policy and X-Frame-Options, see settings.py)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.ACCORD_CSP)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


# Accord uses none of these browser features.
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


def allow_inline_styles(response: HttpResponse) -> HttpResponse:
    """For a standalone HTML document that carries its own <style> (a printable report or
    review pack, made for PDF rendering too): the same policy, plus inline styles for this
    one response. Inline scripts stay forbidden."""
    response.headers["Content-Security-Policy"] = settings.ACCORD_CSP.replace(
        "style-src 'self'", "style-src 'self' 'unsafe-inline'"
    )
    return response
