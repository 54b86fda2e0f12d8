"""vasops settings: everything from environment variables, with safe defaults.

Embedded default (``make run``): SQLite under ``var/``, local-memory cache, email to the console.
Production: ``DATABASE_URL=postgres://...``, ``REDIS_URL=redis://...``, ``SECRET_KEY`` set.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("VASOPS_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


TESTING = "pytest" in sys.modules or env_bool("VASOPS_TESTING", False)
DEBUG = env_bool("DEBUG", False)


def _secret_key() -> str:
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    if not (DEBUG or TESTING):
        raise ImproperlyConfigured(
            "SECRET_KEY must be set in the environment when DEBUG is off "
            "(the generated demo key is only used with DEBUG=1)."
        )
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()

# The business clock can be frozen for demos and tests only.
VASOPS_TODAY = os.environ.get("VASOPS_TODAY", "").strip() or None
if VASOPS_TODAY and not (DEBUG or TESTING):
    raise ImproperlyConfigured(
        "VASOPS_TODAY freezes the business clock and is only honoured with DEBUG=1 or under "
        "tests; unset it in production."
    )

# Demo only: staff can move the business date from the console (a file under var/).
VASOPS_DEMO_CLOCK_FILE = str(VAR_DIR / "demo_today") if DEBUG and not TESTING else None

ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "django_fsm",
    "ninja",  # serves /api/v1/docs from its bundled static files (no CDN, passes the CSP)
    "vasops.core",
    "vasops.partners",
    "vasops.workorders",
    "vasops.catalog",
    "vasops.admission",
    "vasops.vac",
    "vasops.settlement",
    "vasops.api",
    "vasops.portal",
    "vasops.console",
]

MIDDLEWARE = [
    "vasops.core.middleware.RequestIdMiddleware",
    "vasops.core.middleware.ContentSecurityPolicyMiddleware",
    "vasops.api.middleware.ApiErrorShapeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "vasops.core.middleware.StaffTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "vasops.urls"
WSGI_APPLICATION = "vasops.wsgi.application"
ASGI_APPLICATION = "vasops.asgi.application"

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
                "django.template.context_processors.i18n",
                "vasops.core.context_processors.shell",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'vasops.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update({"timeout": 20, "transaction_mode": "IMMEDIATE"})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "").strip()
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "core:login"

# Login throttling (django-axes): lock a username+IP after 5 failures for 15 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_HOURS", "0.25"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "core/locked_out.html"
AXES_ENABLED = env_bool("AXES_ENABLED", True)

# Staff two-factor login (TOTP, django-otp).
VASOPS_STAFF_2FA = env_bool("VASOPS_STAFF_2FA", True)
OTP_TOTP_ISSUER = "vasops"
# Demo only: show the current TOTP code of demo users on the verification page.
VASOPS_DEMO_SHOW_OTP = DEBUG and env_bool("VASOPS_DEMO_SHOW_OTP", False)

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "src" / "vasops" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media")))},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG or TESTING

VASOPS_MAX_UPLOAD_BYTES = int(os.environ.get("VASOPS_MAX_UPLOAD_MB", "20")) * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = VASOPS_MAX_UPLOAD_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "vasops@localhost")

# Behind a TLS-terminating proxy (nginx, a load balancer): VASOPS_BEHIND_TLS_PROXY=1 trusts the
# proxy's X-Forwarded-Proto, redirects plain HTTP to HTTPS and sends HSTS.
VASOPS_BEHIND_TLS_PROXY = env_bool("VASOPS_BEHIND_TLS_PROXY", False)
if VASOPS_BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the load balancer's plain-HTTP health check
    SECURE_HSTS_SECONDS = int(os.environ.get("VASOPS_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("VASOPS_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("VASOPS_HSTS_PRELOAD", True)

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG and not TESTING)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Content-Security-Policy of every response (core.middleware.ContentSecurityPolicyMiddleware):
# scripts and styles only from this site (no inline script; inline style attributes allowed).
VASOPS_CSP = os.environ.get(
    "VASOPS_CSP",
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'",
)

# REST API: requests per minute per user (0 = no limit); over it → 429 core.throttled.
VASOPS_API_RATE_PER_MINUTE = int(os.environ.get("VASOPS_API_RATE_PER_MINUTE", "1200"))
# Imports (catalogue, exam questions …, core.imports): file size checked before parsing.
VASOPS_IMPORT_MAX_BYTES = int(float(os.environ.get("VASOPS_IMPORT_MAX_MB", "20")) * 1024 * 1024)

# VAC (the gateway process reads the same variables from the environment).
VASOPS_VAC_CONFIRM_INTERVAL_SECONDS = int(
    os.environ.get("VASOPS_VAC_CONFIRM_INTERVAL_SECONDS", str(24 * 3600))
)
VASOPS_VAC_TCP_CLIENTS: dict[str, str] = json.loads(os.environ.get("VASOPS_VAC_TCP_CLIENTS", "{}") or "{}")
VASOPS_CRM_INBOX = Path(os.environ.get("VASOPS_CRM_INBOX", VAR_DIR / "crm" / "inbox"))
VASOPS_CRM_WORK = Path(os.environ.get("VASOPS_CRM_WORK", VAR_DIR / "crm" / "work"))
VASOPS_CDR_DIR = Path(os.environ.get("VASOPS_CDR_DIR", VAR_DIR / "cdr"))
VASOPS_VAC_SYNC_ROOT = Path(os.environ.get("VASOPS_VAC_SYNC_ROOT", VAR_DIR / "vac-sync"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "vasops.core.request_context.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [request_id=%(request_id)s] %(message)s"}
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["request_id"], "formatter": "plain"}
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
