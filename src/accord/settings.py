"""Django settings. Everything comes from ACCORD_* environment variables (docs/configuration.md).

Secrets may also be given as ACCORD_<NAME>_FILE, a path whose contents are the value.
"""

from __future__ import annotations

import os
from pathlib import Path

from accord.config import database_from_url, env, env_bool, env_int, env_list, smtp_from_url

DATA_DIR = Path(env("DATA_DIR", str(Path.cwd() / "var"))).resolve()
DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env("SECRET_KEY", "") or (
    "insecure-development-key-set-ACCORD_SECRET_KEY-in-production" if DEBUG else ""
)
if not SECRET_KEY:
    from accord.config import persistent_secret_key

    SECRET_KEY = persistent_secret_key(DATA_DIR)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",  # serves the API docs page's Swagger UI from the package, not a CDN
    "accord.accounts",
    "accord.catalogue",
    "accord.agreements",
    "accord.measurements",
    "accord.manifests",
    "accord.evaluation",
    "accord.alerts",
    "accord.reviews",
    "accord.governance",
    "accord.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "accord.accounts.middleware.SecurityHeadersMiddleware",  # Content-Security-Policy
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accord.governance.middleware.AuditActorMiddleware",  # who changed what (audit trail)
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "accord.urls"
WSGI_APPLICATION = "accord.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": database_from_url(env("DATABASE_URL", ""), DATA_DIR)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env("TIME_ZONE", "UTC")  # for display only; everything is stored in UTC
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True  # serve straight from the package when collectstatic was not run

# Largest request body accepted (API batches included); larger ones get 400.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("MAX_REQUEST_BYTES", 10 * 1024 * 1024)

# Log-in security (docs/access.md): Django's salted PBKDF2 password hashes, CSRF on every
# form, sessions that expire, failed log-ins throttled in the database (every process).
AUTHENTICATION_BACKENDS = ["accord.accounts.backends.ThrottledModelBackend"]
SESSION_COOKIE_AGE = env_int("SESSION_HOURS", 12) * 3600
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Secure (HTTPS-only) cookies whenever the site is served over HTTPS.
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", SITE_URL.lower().startswith("https://"))
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Scripts, styles, images and fonts only from Accord itself (vendored, no CDN): no inline
# scripts or style attributes. data: images for the SVG icons of Pico CSS and Swagger UI.
ACCORD_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
# Proxies whose X-Forwarded-For names the client (the log-in throttle counts per address).
ACCORD_TRUSTED_PROXIES = env_list("FORWARDED_ALLOW_IPS", ["127.0.0.1"])

# Notifications (docs/alerts.md). E-mail goes out over SMTP only.
_smtp = smtp_from_url(env("SMTP_URL", ""))
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = _smtp["EMAIL_HOST"]
EMAIL_PORT = _smtp["EMAIL_PORT"]
EMAIL_HOST_USER = _smtp["EMAIL_HOST_USER"]
EMAIL_HOST_PASSWORD = _smtp["EMAIL_HOST_PASSWORD"]
EMAIL_USE_TLS = _smtp["EMAIL_USE_TLS"]
EMAIL_USE_SSL = _smtp["EMAIL_USE_SSL"]
DEFAULT_FROM_EMAIL = SERVER_EMAIL = env("EMAIL_FROM", "accord@localhost")
ACCORD_NOTIFY_TIMEOUT = env_int("NOTIFY_TIMEOUT", 10)  # seconds, SMTP and webhooks
EMAIL_TIMEOUT = ACCORD_NOTIFY_TIMEOUT
# Conditions older than this when first seen (e.g. an import of old tickets) do not alert.
ACCORD_ALERT_MAX_AGE = env_int("ALERT_MAX_AGE", 24 * 3600)

# Measurement connectors (docs/api.md, docs/prometheus.md).
ACCORD_ALERTMANAGER_SUBJECT_LABEL = env("ALERTMANAGER_SUBJECT_LABEL", "service")
ACCORD_PROMETHEUS_BUCKET = env_int("PROMETHEUS_BUCKET", 300)  # seconds per stored bucket
ACCORD_PROMETHEUS_SETTLE = env_int("PROMETHEUS_SETTLE", 60)  # a bucket is read once this old
ACCORD_PROMETHEUS_BACKFILL_DAYS = env_int("PROMETHEUS_BACKFILL_DAYS", 14)  # first sync
ACCORD_PROMETHEUS_TIMEOUT = env_int("PROMETHEUS_TIMEOUT", 30)  # seconds per HTTP request

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
}

os.environ.setdefault("OMP_NUM_THREADS", "1")
