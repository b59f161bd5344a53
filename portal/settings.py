"""Django settings, built from the typed configuration in :mod:`portal.config`.

There is one settings module: the environment decides between the embedded default (SQLite,
a Celery worker and beat on a broker kept in files beside the database) and the full stack
(PostgreSQL, Redis, Celery workers), and between development (``DEBUG=true``) and production.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dj_database_url
import django_stubs_ext
from celery.schedules import crontab
from csp.constants import NONE, SELF

from portal.config import BASE_DIR, VAR_DIR, load_config

django_stubs_ext.monkeypatch()  # lets typed generics (ModelAdmin[Model]) work at run time

CONFIG = load_config()

DEBUG = CONFIG.DEBUG
# In development without a SECRET_KEY a fixed, clearly-marked key is used; production refuses
# to start without one (see PortalConfig).
SECRET_KEY = CONFIG.SECRET_KEY or "insecure-development-key-never-use-in-production"
ALLOWED_HOSTS = CONFIG.ALLOWED_HOSTS
CSRF_TRUSTED_ORIGINS = CONFIG.CSRF_TRUSTED_ORIGINS
PORTAL_BASE_URL = CONFIG.PORTAL_BASE_URL.rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "rules.apps.AutodiscoverRulesConfig",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_celery_beat",
    "axes",
    "csp",
    "portal",
    "policies",
    "usecases",
]

MIDDLEWARE = [
    "portal.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "portal.middleware.PrivateAnswersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"
AUTH_USER_MODEL = "portal.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------

DATABASES = {
    "default": dj_database_url.parse(
        CONFIG.DATABASE_URL, conn_max_age=CONFIG.DATABASE_CONN_MAX_AGE, conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(exist_ok=True)
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault("connect_timeout", 5)
    # No JIT compilation: the portal's queries are short, and PostgreSQL's cost-based trigger
    # spent 1.6 s compiling one compliance query over 100,000 people (see bench/, README).
    DATABASES["default"]["OPTIONS"].setdefault("options", "-c jit=off")
    DATABASES["default"]["TEST"] = {"NAME": "test_" + str(DATABASES["default"]["NAME"])}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USES_POSTGRES = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"

# --- Cache, Celery --------------------------------------------------------------------------

REDIS_URL = CONFIG.REDIS_URL
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "portal",
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Without Redis (the embedded default) the broker is kombu's filesystem transport, in a folder
# beside the SQLite file (or under var/): bin/run starts a real worker and beat on it, so that no
# request waits for background work and progress, retries, reminders and recounts run as on the
# full stack. Its messages are gone once read (no redelivery after a killed worker); the
# sweepers re-enqueue what was lost, as they do when Redis is down.
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    BROKER_FOLDER = None
else:
    _database_file = DATABASES["default"]["NAME"] if not USES_POSTGRES else None
    BROKER_FOLDER = (
        Path(str(_database_file)).with_suffix(".broker")
        if _database_file and str(_database_file) != ":memory:"
        else VAR_DIR / "broker"
    )
    CELERY_BROKER_URL = "filesystem://"
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_TASK_IGNORE_RESULT = True  # tasks store their outcome in the database; see portal.tasks
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = CONFIG.CELERY_TASK_TIME_LIMIT
CELERY_TASK_SOFT_TIME_LIMIT = max(1, CONFIG.CELERY_TASK_TIME_LIMIT - 10)
CELERY_TASK_DEFAULT_QUEUE = "portal"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {
    # acks_late tasks come back when a worker dies; keep the wait short but longer than a task.
    "visibility_timeout": CONFIG.CELERY_TASK_TIME_LIMIT + 60,
    # Workers look for such messages every 10 s (kombu's default throttle: every 100 s).
    "unacked_restore_throttle": 1,
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    "max_retries": 1,
}
if BROKER_FOLDER is not None:
    for _folder in ("messages", "control"):
        (BROKER_FOLDER / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_FOLDER / "messages"),
        "data_folder_out": str(BROKER_FOLDER / "messages"),
        "control_folder": str(BROKER_FOLDER / "control"),
        "store_processed": False,
        "polling_interval": 0.5,
    }
CELERY_TIMEZONE = CONFIG.TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "policy-acknowledgement-reminders": {
        "task": "policies.send_acknowledgement_reminders",
        "schedule": crontab(hour=8, minute=0),
    },
    "estimates-sweep": {"task": "usecases.sweep_estimates", "schedule": 60.0},
    "notifications-sweep": {"task": "usecases.sweep_notifications", "schedule": 60.0},
    "compliance-tally": {"task": "policies.rebuild_acknowledgement_tally", "schedule": 600.0},
    # Guardrail exceptions past their end date: the finding opens again, owner and CIO office told.
    "exceptions-expire": {"task": "usecases.expire_exceptions", "schedule": crontab(minute=5)},
}
POLICY_REMINDER_AFTER_DAYS = CONFIG.POLICY_REMINDER_AFTER_DAYS
POLICY_REMINDER_INTERVAL_DAYS = CONFIG.POLICY_REMINDER_INTERVAL_DAYS

# --- Authentication and roles ---------------------------------------------------------------

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "portal.roles.RolePermissionBackend",
    "portal.roles.PasswordBackend",
]
# Single sign-on (portal/people/oidc.py): on when OIDC_RP_CLIENT_ID is set.
OIDC_ENABLED = CONFIG.oidc_enabled
if OIDC_ENABLED:
    AUTHENTICATION_BACKENDS.append("portal.people.oidc.PortalOIDCBackend")
OIDC_RP_CLIENT_ID = CONFIG.OIDC_RP_CLIENT_ID
OIDC_RP_CLIENT_SECRET = CONFIG.OIDC_RP_CLIENT_SECRET
OIDC_OP_AUTHORIZATION_ENDPOINT = CONFIG.OIDC_OP_AUTHORIZATION_ENDPOINT
OIDC_OP_TOKEN_ENDPOINT = CONFIG.OIDC_OP_TOKEN_ENDPOINT
OIDC_OP_USER_ENDPOINT = CONFIG.OIDC_OP_USER_ENDPOINT
OIDC_OP_JWKS_ENDPOINT = CONFIG.OIDC_OP_JWKS_ENDPOINT
OIDC_OP_ISSUER = CONFIG.OIDC_OP_ISSUER
OIDC_OP_LOGOUT_ENDPOINT = CONFIG.OIDC_OP_LOGOUT_ENDPOINT
OIDC_RP_SIGN_ALGO = CONFIG.OIDC_RP_SIGN_ALGO
OIDC_RP_SCOPES = f"openid email profile {CONFIG.OIDC_GROUPS_CLAIM}"
OIDC_USE_PKCE = CONFIG.OIDC_USE_PKCE
OIDC_USE_NONCE = True
OIDC_CLOCK_SKEW_SECONDS = CONFIG.OIDC_CLOCK_SKEW_SECONDS
OIDC_TIMEOUT = CONFIG.OIDC_TIMEOUT_SECONDS
OIDC_GROUPS_CLAIM = CONFIG.OIDC_GROUPS_CLAIM
OIDC_DEPARTMENT_CLAIM = CONFIG.OIDC_DEPARTMENT_CLAIM
OIDC_EMAILS_VERIFIED = CONFIG.OIDC_EMAILS_VERIFIED
OIDC_ROLE_MAP = CONFIG.OIDC_ROLE_MAP

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_AGE = CONFIG.SESSION_AGE_HOURS * 3600
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

AXES_FAILURE_LIMIT = CONFIG.AXES_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=CONFIG.AXES_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
SIGN_IN_ADDRESS_FAILURE_LIMIT = CONFIG.SIGN_IN_ADDRESS_FAILURE_LIMIT  # portal/people/lockout.py

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
if CONFIG.TEST_FAST_PASSWORD_HASHING:
    # Set by the test suite for itself and the servers it starts: a PBKDF2 hash costs ~0.5 s.
    PASSWORD_HASHERS.insert(0, "django.contrib.auth.hashers.MD5PasswordHasher")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- HTTPS and browser security -------------------------------------------------------------

SECURE_HTTPS = CONFIG.https
SESSION_COOKIE_SECURE = SECURE_HTTPS
CSRF_COOKIE_SECURE = SECURE_HTTPS
SECURE_SSL_REDIRECT = SECURE_HTTPS
# No SECURE_PROXY_SSL_HEADER: Django would believe X-Forwarded-Proto from any client. gunicorn
# (bin/web) takes the scheme from that header only from FORWARDED_ALLOW_IPS, the proxy's address.
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365 if SECURE_HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HTTPS
SECURE_HSTS_PRELOAD = SECURE_HTTPS
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        # A form may lead to the identity provider: sign-in, and sign-out at its end-session page.
        "form-action": [
            SELF,
            *[
                url
                for url in (CONFIG.OIDC_OP_AUTHORIZATION_ENDPOINT, CONFIG.OIDC_OP_LOGOUT_ENDPOINT)
                if OIDC_ENABLED and url
            ],
        ],
        "frame-ancestors": [NONE],
    }
}

# --- Static files, i18n ---------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

LANGUAGE_CODE = "en-gb"
TIME_ZONE = CONFIG.TIME_ZONE
USE_I18N = True
USE_TZ = True

# --- Email ----------------------------------------------------------------------------------

DEFAULT_FROM_EMAIL = CONFIG.DEFAULT_FROM_EMAIL
SERVER_EMAIL = CONFIG.DEFAULT_FROM_EMAIL
if CONFIG.EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = CONFIG.EMAIL_HOST
    EMAIL_PORT = CONFIG.EMAIL_PORT
    EMAIL_HOST_USER = CONFIG.EMAIL_HOST_USER
    EMAIL_HOST_PASSWORD = CONFIG.EMAIL_HOST_PASSWORD
    EMAIL_USE_TLS = CONFIG.EMAIL_USE_TLS
    EMAIL_TIMEOUT = 10
elif CONFIG.EMAIL_FILE_PATH:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = CONFIG.EMAIL_FILE_PATH
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

# --- REST API -------------------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # A token first, so that an unauthenticated call gets 401 with WWW-Authenticate.
        "portal.api.authentication.PersonalTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # Bodies holding text that cannot be stored (NUL, control characters) are a 400.
    # JSON only: in a form-encoded body a left-out boolean reads as false and a list flattens,
    # so a client's mistake would be taken as an answer; any other body is a 415.
    "DEFAULT_PARSER_CLASSES": ["portal.api.parsers.StorableJSONParser"],
    "DEFAULT_PAGINATION_CLASS": "portal.api.pagination.PortalPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "portal.api.schema.PortalAutoSchema",
    "DEFAULT_THROTTLE_CLASSES": [  # counted in the cache; let through when Redis is down
        "portal.api.throttling.PortalAnonRateThrottle",
        "portal.api.throttling.PortalUserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": CONFIG.API_THROTTLE_ANON,
        "user": CONFIG.API_THROTTLE_USER,
    },
    "EXCEPTION_HANDLER": "portal.api.errors.portal_exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "AI governance portal API",
    "DESCRIPTION": (
        "Everything a page of the portal can do. Authenticate with the session cookie of a "
        "signed-in browser, or with `Authorization: Bearer <token>` (a personal API token)."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # What Django's path converters match, so that clients know which values can name anything.
    "PATH_CONVERTER_OVERRIDES": {
        "int": {"type": "integer", "minimum": 0},
        "slug": {"type": "string", "pattern": "^[-a-zA-Z0-9_]+$"},
    },
    "ENUM_NAME_OVERRIDES": {
        "DataClassificationEnum": "policies.models.register.DataClassification",
        "UseCaseStatusEnum": "usecases.models.Status",
        "RiskEntryStatusEnum": "usecases.models.RiskStatus",
        "RegisterEntryStatusEnum": "policies.models.register.EntryStatus",
        "PolicyVersionStatusEnum": "policies.models.policy.VersionStatus",
        "EstimateRunStatusEnum": "usecases.estimates.models.RunStatus",
        "ArchetypeEnum": "usecases.models.Archetype",
        # A risk and what is left of it after the mitigation fall in one set of bands.
        "RiskBandEnum": "usecases.risk.RiskBand",
        # A case's business function and its review team's function are one choice set.
        "BusinessFunctionEnum": "usecases.models.BusinessFunction",
    },
}

# --- Logging --------------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "portal.middleware.RequestIdLogFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"}
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": CONFIG.LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "axes": {"level": "WARNING"},
    },
}
