"""Sending one alert through one channel: e-mail over SMTP, a signed JSON webhook, or a
Slack-compatible webhook.

Every failure is sorted into *temporary* (retry later: network errors, timeouts, HTTP
5xx and 429, SMTP 4xx) or *permanent* (retrying cannot help: HTTP 4xx, redirects,
SMTP 5xx, a channel without an address).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import smtplib
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from accord.alerts.models import AlertEvent, Channel
from accord.alerts.payloads import alert_document, email_body, email_subject, slack_payload

SIGNATURE_HEADER = "X-Accord-Signature"
TIMESTAMP_HEADER = "X-Accord-Timestamp"
SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
ERROR_BODY_CHARS = 300


class DeliveryError(Exception):
    permanent = False


class TemporaryFailure(DeliveryError):
    pass


class PermanentFailure(DeliveryError):
    permanent = True


def send_alert(alert: AlertEvent, channel: Channel) -> str:
    """Send; return what the far end said. Raises a `DeliveryError` subclass on failure."""
    if channel.kind == Channel.ChannelKind.EMAIL:
        return send_email(alert, channel)
    if channel.kind == Channel.ChannelKind.WEBHOOK:
        body = _json_bytes(alert_document(alert))
        return post_json(channel.address, body, signed_headers(channel.secret, body))
    if channel.kind == Channel.ChannelKind.SLACK:
        return post_json(channel.address, _json_bytes(slack_payload(alert)), {})
    raise PermanentFailure(f"unknown channel kind {channel.kind!r}")


# E-mail ----------------------------------------------------------------------------------


def email_recipients(alert: AlertEvent, channel: Channel) -> list[str]:
    """The channel's own addresses, plus (if it says so) every contact of the agreement's
    provider and consumers; each address once, in that order."""
    found = channel.addresses()
    if channel.notify_parties and alert.agreement is not None:
        agreement = alert.agreement
        parties = [agreement.provider, *agreement.consumers.order_by("name")]
        for party in parties:
            found += [contact.email for contact in party.contacts.all()]
    return list(dict.fromkeys(found))


def send_email(alert: AlertEvent, channel: Channel) -> str:
    if not settings.EMAIL_HOST:
        raise PermanentFailure("e-mail is not configured: set ACCORD_SMTP_URL")
    recipients = email_recipients(alert, channel)
    if not recipients:
        raise PermanentFailure("no recipients: the channel has no address and no party contacts")
    message = EmailMessage(
        subject=email_subject(alert),
        body=email_body(alert),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=recipients,
        headers={
            "X-Accord-Alert": str(alert.pk),
            "X-Accord-Kind": alert.kind,
            "X-Accord-Severity": alert.severity,
        },
    )
    # The SMTP backend explicitly: the configured EMAIL_BACKEND may be a test double.
    connection = get_connection(SMTP_BACKEND, timeout=settings.ACCORD_NOTIFY_TIMEOUT)
    try:
        connection.send_messages([message])
    except smtplib.SMTPResponseException as exc:
        _raise_smtp(exc.smtp_code, exc.smtp_error)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        detail = "; ".join(f"{to}: {code} {msg!r}" for to, (code, msg) in exc.recipients.items())
        cls = PermanentFailure if all(code >= 500 for code in codes) else TemporaryFailure
        raise cls(f"recipients refused: {detail}") from None
    except (smtplib.SMTPException, OSError) as exc:
        raise TemporaryFailure(f"SMTP: {type(exc).__name__}: {exc}") from None
    return f"SMTP accepted for {len(recipients)} recipient(s)"


def _raise_smtp(code: int, error: bytes | str) -> None:
    text = error.decode(errors="replace") if isinstance(error, bytes) else str(error)
    cls = PermanentFailure if 500 <= code < 600 else TemporaryFailure
    raise cls(f"SMTP {code} {text}") from None


# Webhooks --------------------------------------------------------------------------------


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """HMAC-SHA256 over `<timestamp>.<raw body>`: the timestamp is signed so that a
    captured request cannot be replayed later with a fresh one."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def signed_headers(secret: str, body: bytes, *, now: float | None = None) -> dict[str, str]:
    if not secret:
        return {}
    timestamp = str(int(time.time() if now is None else now))
    return {TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: signature(secret, timestamp, body)}


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A redirected POST would become a GET without the body; better to say so.
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def post_json(url: str, body: bytes, headers: dict[str, str]) -> str:
    if urlsplit(url).scheme not in {"http", "https"}:
        raise PermanentFailure(f"not an http(s) URL: {url!r}")
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "User-Agent": "Accord-alerts/1", **headers},
    )
    try:
        with _opener.open(request, timeout=settings.ACCORD_NOTIFY_TIMEOUT) as response:
            return f"HTTP {response.status}"
    except urllib.error.HTTPError as exc:
        detail = f"HTTP {exc.code} {_excerpt(exc)}".rstrip()
        if exc.code == 429 or exc.code >= 500:
            raise TemporaryFailure(detail) from None
        raise PermanentFailure(detail) from None
    except (urllib.error.URLError, OSError) as exc:  # refused, DNS, timeout, TLS
        reason = getattr(exc, "reason", exc)
        raise TemporaryFailure(f"{type(exc).__name__}: {reason}") from None


def _excerpt(exc: urllib.error.HTTPError) -> str:
    try:
        return exc.read(ERROR_BODY_CHARS).decode(errors="replace").strip()
    except OSError:
        return ""


def _json_bytes(document: object) -> bytes:
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()
