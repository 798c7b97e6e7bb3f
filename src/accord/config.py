"""Reading ACCORD_* environment variables. Kept apart from settings.py so it can be tested."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

PREFIX = "ACCORD_"


def env(name: str, default: str) -> str:
    """ACCORD_<name>, else the contents of the file named by ACCORD_<name>_FILE, else default."""
    value = os.environ.get(PREFIX + name)
    if value is not None:
        return value
    path = os.environ.get(f"{PREFIX}{name}_FILE")
    if path:
        return Path(path).read_text().strip()
    return default


def env_bool(name: str, default: bool) -> bool:
    value = env(name, "").strip().lower()
    if not value:
        return default
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ValueError(f"{PREFIX}{name}={value!r}: expected true or false")


def env_int(name: str, default: int) -> int:
    value = env(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"{PREFIX}{name}={value!r}: expected a whole number") from None


def env_list(name: str, default: list[str]) -> list[str]:
    value = env(name, "")
    return [item.strip() for item in value.split(",") if item.strip()] if value else default


def database_from_url(url: str, data_dir: Path) -> dict[str, Any]:
    """sqlite:///path, sqlite:///:memory:, postgres://user:pass@host:port/name?opt=…"""
    if not url:
        url = f"sqlite:///{data_dir / 'accord.sqlite3'}"
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        path = unquote(parts.path)[1:] if parts.path.startswith("//") else unquote(parts.path)
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": path or ":memory:",
            # WAL lets the web server read while the worker writes; the busy timeout makes
            # writers queue instead of failing with "database is locked".
            "OPTIONS": {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    if parts.scheme in {"postgres", "postgresql"}:
        options = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parts.path.lstrip("/")),
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            "OPTIONS": options,
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
        }
    raise ValueError(
        f"{PREFIX}DATABASE_URL: unsupported scheme {parts.scheme!r} "
        "(expected sqlite:///path or postgres://user@host:port/name)"
    )


def smtp_from_url(url: str) -> dict[str, Any]:
    """Django's EMAIL_* settings from smtp://user:pass@host:port?starttls=1 or smtps://…
    (TLS from the first byte). An empty URL gives EMAIL_HOST "" (e-mail not configured)."""
    empty = {"EMAIL_HOST": "", "EMAIL_PORT": 25, "EMAIL_HOST_USER": "", "EMAIL_HOST_PASSWORD": ""}
    if not url:
        return {**empty, "EMAIL_USE_TLS": False, "EMAIL_USE_SSL": False}
    parts = urlsplit(url)
    if parts.scheme not in {"smtp", "smtps"} or not parts.hostname:
        raise ValueError(
            f"{PREFIX}SMTP_URL: expected smtp://user:password@host:port?starttls=1 or "
            f"smtps://user:password@host:port, got scheme {parts.scheme!r}"
        )
    options = {key: values[-1].lower() for key, values in parse_qs(parts.query).items()}
    starttls = options.get("starttls", "0") in {"1", "true", "yes", "on"}
    ssl = parts.scheme == "smtps"
    if ssl and starttls:
        raise ValueError(f"{PREFIX}SMTP_URL: smtps:// is TLS already; drop starttls")
    return {
        "EMAIL_HOST": parts.hostname,
        "EMAIL_PORT": parts.port or (465 if ssl else 587 if starttls else 25),
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_TLS": starttls,
        "EMAIL_USE_SSL": ssl,
    }


def persistent_secret_key(data_dir: Path) -> str:
    """A random key kept in the data directory, so sessions survive restarts without set-up."""
    path = data_dir / "secret_key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()
