"""One settings module, read from the environment (docs/configuration.md lists every variable).

Defaults are safe for a laptop demo; `SHEQU_PRODUCTION=1` turns on everything
`manage.py check --deploy` asks for and refuses to start without real keys.
"""

import datetime as dt
from pathlib import Path

import environ

from shequ.core import basemap

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

PRODUCTION = env.bool("SHEQU_PRODUCTION", default=False)
DEBUG = env.bool("DEBUG", default=False)

_DEV_SECRET = "dev-only-insecure-secret-key-change-me-in-production-0123456789"  # noqa: S105
SECRET_KEY = env.str("SECRET_KEY", default="" if PRODUCTION else _DEV_SECRET)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "shequ.accounts.admin_site.ShequAdminConfig",  # django.contrib.admin behind our login
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "knox",  # API tokens stored hashed, with an expiry (DRF's authtoken stored them in clear)
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served locally: no CDN on the county intranet
    "simple_history",
    "rules.apps.AutodiscoverRulesConfig",
    "django_tasks",
    "django_tasks_db",
    "shequ.core",
    "shequ.places",
    "shequ.audit",  # the records: imports nothing from accounts (docs/adr/0009)
    "shequ.accounts",
    "shequ.auditlog",  # the log pages, above accounts
    "shequ.workdays",  # the calendar's page and services: above accounts and audit
    "shequ.registry",
    "shequ.cases",
    "shequ.insight",  # reads every app above; after them
]

MIDDLEWARE = [
    "shequ.core.logging.RequestLogMiddleware",  # one log line per request, whatever answers it
    "django.middleware.security.SecurityMiddleware",
    "shequ.core.security.RejectNulMiddleware",  # a 400, not a database error, for %00 in a URL
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "shequ.core.security.SecurityHeadersMiddleware",  # Content-Security-Policy, Permissions-Policy
    "shequ.core.security.NoStoreMiddleware",  # no-store for signed-in users and @personal_data views
    "simple_history.middleware.HistoryRequestMiddleware",
    "shequ.accounts.middleware.ActiveScopeMiddleware",
]

ROOT_URLCONF = "shequ.urls"
WSGI_APPLICATION = "shequ.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "shequ" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "shequ.accounts.context_processors.navigation",
                "shequ.core.context_processors.base_map",
            ],
        },
    },
]

# SQLite by default so a laptop needs nothing; PostgreSQL when DATABASE_URL is set (ADR 0001).
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env.int("SHEQU_PASSWORD_MIN_LENGTH", default=10)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "shequ.accounts.validators.NotUsernameValidator"},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"  # redirects on to the role's own page (accounts/landing.py)
LOGOUT_REDIRECT_URL = "accounts:login"

# Login policy: lock an account for a while after repeated failures; sessions end when idle.
SHEQU_LOGIN_MAX_FAILURES = env.int("SHEQU_LOGIN_MAX_FAILURES", default=5)
SHEQU_LOGIN_LOCK_MINUTES = env.int("SHEQU_LOGIN_LOCK_MINUTES", default=15)
# The Django admin (/django-admin/) answers 404 unless this is on; its login is the app's own.
SHEQU_ADMIN_ENABLED = env.bool("SHEQU_ADMIN_ENABLED", default=False)
SHEQU_IDLE_TIMEOUT_MINUTES = env.int("SHEQU_IDLE_TIMEOUT_MINUTES", default=30)
# Failed logins per client address (page and API) before that address must wait (docs/security.md).
SHEQU_LOGIN_IP_RATE = env.str("SHEQU_LOGIN_IP_RATE", default="30/15min")
# API tokens (knox): stored as a SHA-512 digest, valid for SHEQU_TOKEN_TTL_HOURS from issue, never
# renewed by use (a stolen token dies on schedule); a user keeps at most SHEQU_TOKEN_LIMIT_PER_USER,
# the oldest dropped when a new one is issued. Revoked on a password change, a lock and deactivation.
SHEQU_TOKEN_TTL_HOURS = env.int("SHEQU_TOKEN_TTL_HOURS", default=10)
SHEQU_TOKEN_LIMIT_PER_USER = env.int("SHEQU_TOKEN_LIMIT_PER_USER", default=10)
REST_KNOX = {
    "TOKEN_TTL": dt.timedelta(hours=SHEQU_TOKEN_TTL_HOURS),
    "AUTO_REFRESH": False,
    "AUTH_HEADER_PREFIX": "Token",
}
SESSION_COOKIE_AGE = SHEQU_IDLE_TIMEOUT_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = True  # the cookie age counts from the last request: an idle timeout
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Personal information (ADR 0002): AES-256-GCM for ID and phone numbers, HMAC-SHA256 for lookup.
# SHEQU_FIELD_KEY may list several base64 keys, newest first; old ones only decrypt.
_DEV_FIELD_KEY = "ZGV2LW9ubHktZmllbGQta2V5LWNoYW5nZS1tZS0zMmI="  # 32 bytes, demo only
_DEV_HASH_KEY = "ZGV2LW9ubHktaGFzaC1rZXktY2hhbmdlLW1lLTMyYnk="
SHEQU_FIELD_KEYS = env.list("SHEQU_FIELD_KEY", default=[] if PRODUCTION else [_DEV_FIELD_KEY])
SHEQU_HASH_KEY = env.str("SHEQU_HASH_KEY", default="" if PRODUCTION else _DEV_HASH_KEY)
# How long a revealed ID or phone number stays on screen, in seconds.
SHEQU_REVEAL_SECONDS = env.int("SHEQU_REVEAL_SECONDS", default=60)
# The brake on reveals (docs/security.md, finding 5): a purpose and a note of at least this many
# letters or digits, and at most so many reveals per user per rolling hour and per calendar day.
SHEQU_REVEAL_NOTE_MIN_LENGTH = env.int("SHEQU_REVEAL_NOTE_MIN_LENGTH", default=4)
SHEQU_REVEAL_LIMIT_PER_HOUR = env.int("SHEQU_REVEAL_LIMIT_PER_HOUR", default=20)
SHEQU_REVEAL_LIMIT_PER_DAY = env.int("SHEQU_REVEAL_LIMIT_PER_DAY", default=60)

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "shequ" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Uploads (case photos, import files) hold personal data: MEDIA_ROOT is private storage that no URL
# serves. MEDIA_URL is None, so a file's .url raises instead of naming a public address; files go
# out only through views that check scope, or the Open311 photo's signed, expiring URL.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")
MEDIA_URL = None
# How long a signed photo URL (Open311 media_url) stays valid, in seconds.
SHEQU_SIGNED_URL_MAX_AGE = env.int("SHEQU_SIGNED_URL_MAX_AGE", default=3600)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "shequ.accounts.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "shequ.core.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # DRF's parsers, refusing NUL characters in text (PostgreSQL cannot store or compare them).
    "DEFAULT_PARSER_CLASSES": [
        "shequ.core.parsers.JSONParser",
        "shequ.core.parsers.FormParser",
        "shequ.core.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "shequ.core.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "shequ.core.api.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"login": env.str("SHEQU_LOGIN_RATE", default="20/min")},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "shequ API",
    "DESCRIPTION": "社区治理与服务平台 API (v1). Scoped to the caller's role assignments.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # The resident's document type appears whole and split by the ID-number rule (one enum each).
    "ENUM_NAME_OVERRIDES": {
        "IdTypeEnum": ["resident_id", "passport", "hk_macau", "taiwan", "foreign_pr", "other"],
        "IdentityCardEnum": ["resident_id"],
        "OtherDocumentEnum": ["passport", "hk_macau", "taiwan", "foreign_pr", "other"],
    },
}

# Background work through the django.tasks API (ADR 0003); the database backend needs no broker.
# `SHEQU_TASK_BACKEND=rq` puts the same tasks on Redis instead (docs/operations.md, "Redis-backed
# workers"); progress stays in our own rows, Redis only carries the jobs.
_TASK_BACKENDS = {"db": "django_tasks_db.DatabaseBackend", "rq": "django_tasks_rq.RQBackend"}
_task_backend = env.str("SHEQU_TASK_BACKEND", default="db")
TASKS = {"default": {"BACKEND": _TASK_BACKENDS.get(_task_backend, _task_backend)}}
# RQ's queues, all on one Redis: `default`, the queue every shequ task uses, and any others named
# in SHEQU_RQ_QUEUES. A job past the timeout is stopped by RQ and fails, so the timeout must
# exceed the longest job (a city-wide import).
SHEQU_RQ_URL = env.str("SHEQU_RQ_URL", default=env.str("REDIS_URL", default="redis://127.0.0.1:6379/0"))
RQ_QUEUES = {
    name: {"URL": SHEQU_RQ_URL, "DEFAULT_TIMEOUT": env.int("SHEQU_RQ_JOB_TIMEOUT", default=3 * 3600)}
    for name in ["default", *env.list("SHEQU_RQ_QUEUES", default=[])]
}
if TASKS["default"]["BACKEND"] == _TASK_BACKENDS["rq"]:
    INSTALLED_APPS.append("django_rq")  # `manage.py rqworker`; the backend's system check asks for it
    TASKS["default"]["QUEUES"] = list(RQ_QUEUES)  # the backend knows only `default` otherwise

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

# Every handler masks ID numbers, mobile numbers and credentials (shequ.core.logging). SQL is never
# logged, whatever LOG_LEVEL says: its parameters are residents' data.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_personal_data": {"()": "shequ.core.logging.MaskPersonalData"}},
    # ISO dates (2026-12-06 09:30:00), not runserver's English "06/Dec/2026".
    "formatters": {
        "plain": {
            "format": "{asctime} {levelname} {name} {message}",
            "style": "{",
            "datefmt": "%Y-%m-%d %H:%M:%S",
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["mask_personal_data"], "formatter": "plain"}
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # Each request is one line from shequ.core.logging.RequestLogMiddleware (logger shequ.request).
    "loggers": {
        # Django's own handlers on "django" printed every record a second time (with DEBUG on)
        # before it reached the root handler: records go to the root handler only.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        # 4xx warnings came with a full traceback of Http404/PermissionDenied; 500s keep theirs.
        "django.request": {"level": "ERROR"},
        # runserver's access line duplicates the request line, with an English date.
        "django.server": {"handlers": [], "level": "WARNING", "propagate": False},
        "django.db.backends": {"level": "WARNING", "propagate": False, "handlers": []},
        # WeasyPrint logs every layout step at INFO; a printed form is one request line, not ten.
        "weasyprint": {"level": "WARNING"},
    },
}

# Registry figures a county admin may change (DESIGN rule 8).
# A check-only import keeps its file this long for "import it now"; every other ending deletes it.
SHEQU_IMPORT_KEEP_CHECKED_MINUTES = env.int("SHEQU_IMPORT_KEEP_CHECKED_MINUTES", default=60)
SHEQU_IMPORT_BATCH_SIZE = env.int("SHEQU_IMPORT_BATCH_SIZE", default=500)
SHEQU_GRID_MAX_OVERLAP_RATIO = env.float("SHEQU_GRID_MAX_OVERLAP_RATIO", default=0.05)
# The base map (docs/configuration.md, ADR 0010): a preset, 天地图's key, or any WGS 84 tile URL.
SHEQU_TIANDITU_KEY = env.str("SHEQU_TIANDITU_KEY", default="")
SHEQU_MAP_TILE_URL = env.str("SHEQU_MAP_TILE_URL", default="")
SHEQU_BASE_MAP = basemap.resolve(
    env.str("SHEQU_BASE_MAP", default=""), tianditu_key=SHEQU_TIANDITU_KEY, tile_url=SHEQU_MAP_TILE_URL
)
# Working periods of a working day, for SLA clocks (docs/calendar.md); holidays are rows.
SHEQU_WORKING_HOURS = env.str("SHEQU_WORKING_HOURS", default="08:30-12:00,13:30-18:00")
# From this day of the year, the admin's dashboard and `manage.py check` warn while next year's
# public holidays are not in the calendar (the State Council publishes them in the autumn).
SHEQU_CALENDAR_WARN_MONTH = env.int("SHEQU_CALENDAR_WARN_MONTH", default=11)
SHEQU_CALENDAR_WARN_DAY = env.int("SHEQU_CALENDAR_WARN_DAY", default=1)

# Cases (docs/cases.md). Per-category limits are rows; these are the rules around them.
SHEQU_CASE_WARN_RATIO = env.float("SHEQU_CASE_WARN_RATIO", default=0.8)  # yellow light from here
SHEQU_CASE_URGENT_FACTOR = env.float("SHEQU_CASE_URGENT_FACTOR", default=0.5)  # urgent: half the time
SHEQU_CASE_EVALUATION_DAYS = env.int("SHEQU_CASE_EVALUATION_DAYS", default=7)  # then closed unevaluated
SHEQU_CASE_DUPLICATE_METRES = env.int("SHEQU_CASE_DUPLICATE_METRES", default=50)
SHEQU_CASE_DUPLICATE_DAYS = env.int("SHEQU_CASE_DUPLICATE_DAYS", default=7)
SHEQU_CASE_HOTSPOT_COUNT = env.int("SHEQU_CASE_HOTSPOT_COUNT", default=3)
SHEQU_CASE_HOTSPOT_DAYS = env.int("SHEQU_CASE_HOTSPOT_DAYS", default=30)
SHEQU_CASE_PHOTO_MAX_MB = env.int("SHEQU_CASE_PHOTO_MAX_MB", default=10)
# Photos with more pixels are refused from their header, before decoding (docs/security.md).
SHEQU_CASE_PHOTO_MAX_PIXELS = env.int("SHEQU_CASE_PHOTO_MAX_PIXELS", default=40_000_000)
SHEQU_CASE_PHOTOS_MAX = env.int("SHEQU_CASE_PHOTOS_MAX", default=6)
# Cases `seed_demo` plays through the loop; 0 means 30 a year per 1,000 residents (the benchmark
# harness caps it so a city of a million seeds in minutes, not an hour: docs/benchmarks.md).
SHEQU_DEMO_CASES = env.int("SHEQU_DEMO_CASES", default=0)
SHEQU_PORTAL_REPORT_RATE = env.str("SHEQU_PORTAL_REPORT_RATE", default="10/hour")
# Failed number + phone lookups on the portal, per client IP and per session (stops guessing).
SHEQU_PORTAL_LOOKUP_RATE = env.str("SHEQU_PORTAL_LOOKUP_RATE", default="10/15min")
# Reverse proxies in front of the app: the client's address is that many hops back in X-Forwarded-For.
SHEQU_NUM_PROXIES = env.int("SHEQU_NUM_PROXIES", default=0)
# DRF's throttles read the same count; left unset, DRF would trust a client's own X-Forwarded-For.
REST_FRAMEWORK["NUM_PROXIES"] = SHEQU_NUM_PROXIES
SHEQU_OPEN311_JURISDICTION = env.str("SHEQU_OPEN311_JURISDICTION", default="shequ.local")

if PRODUCTION:
    DEBUG = False
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Cookies: never readable from scripts (pages put the CSRF token in the HTML), not sent on
# cross-site subrequests; `Secure` in production (above).
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = PRODUCTION
# Content-Security-Policy (shequ.core.security; docs/security.md): only this site's own scripts,
# styles, images and API. Scripts are files under static/ only: no inline script or handler, no
# eval (Alpine's CSP build). Styles still allow 'unsafe-inline' for style="" attributes and
# third-party pages; docs/security.md says what keeps them.
SHEQU_CSP: dict[str, list[str]] = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:", "blob:"],
    "font-src": ["'self'", "data:"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
SHEQU_CSP["img-src"] += SHEQU_BASE_MAP.csp_sources()  # the configured tile service's hosts only
SHEQU_CSP["img-src"] += env.list("SHEQU_CSP_IMG_SRC", default=[])
if PRODUCTION:
    SHEQU_CSP["upgrade-insecure-requests"] = []
SHEQU_PERMISSIONS_POLICY = "camera=(self), geolocation=(self), microphone=(), payment=(), usb=()"
