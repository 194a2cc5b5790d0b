"""Settings: every value comes from the environment (or an optional `.env`), with safe defaults.

Production fails closed: with DEBUG off there is no default SECRET_KEY, and a malformed
boolean, integer or URL stops start-up with a message naming the variable.
"""

import secrets
import warnings
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)


def _bool(name: str, default: bool) -> bool:
    """A boolean variable; anything but a recognised spelling is a start-up error."""
    raw = env.str(name, default=None)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use true/false)")


def _int(name: str, default: int) -> int:
    raw = env.str(name, default="")
    if raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer") from exc


def _dev_secret_key() -> str:
    """A per-checkout random key for DEBUG runs, kept under var/ so sessions survive restarts."""
    path = VAR_DIR / "dev-secret-key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
    return path.read_text().strip()


DEBUG = _bool("DEBUG", False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = _dev_secret_key()

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Cross-origin API calls: none unless listed (the pages call the API from the same origin).
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_URLS_REGEX = r"^/ar/api/.*$"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "corsheaders",
    "csp",
    "axes",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "ar_dashboard",
    "ar_collections",
    "accounts",
]

MIDDLEWARE = [
    "config.request_id.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "config.security.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: turns a locked-out login attempt into the lockout page (429).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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


def _database_url(name: str) -> dict:
    """The database settings of a URL variable; a bad URL is a start-up error naming it.

    django-environ raises KeyError or ValueError on some garbage and passes unknown schemes
    through as the ENGINE: all three end here, without echoing the URL (it holds a password).
    """
    hint = f"{name} is not a valid database URL: use postgres://user:pass@host:5432/db or sqlite:///path"
    try:
        with warnings.catch_warnings():  # "Engine not recognized": said better below
            warnings.simplefilter("ignore", UserWarning)
            database = env.db(name)
    except (ImproperlyConfigured, KeyError, ValueError, TypeError, AttributeError) as exc:
        raise ImproperlyConfigured(f"{hint} ({type(exc).__name__})") from None
    engine = database.get("ENGINE") or ""
    if "." not in engine:
        raise ImproperlyConfigured(f"{hint} (unknown scheme {engine!r})")
    if not database.get("NAME") and not engine.endswith("sqlite3"):
        raise ImproperlyConfigured(f"{hint} (no database name)")
    return database


def _database() -> dict:
    """DATABASE_URL wins; else the seed's DB_ENGINE/DB_NAME/... variables; else SQLite in var/."""
    if env.str("DATABASE_URL", default=""):
        return _database_url("DATABASE_URL")
    engine = env.str("DB_ENGINE", default="")
    if engine:
        aliases = {
            "postgres": "django.db.backends.postgresql",
            "postgresql": "django.db.backends.postgresql",
            "sqlite": "django.db.backends.sqlite3",
            "sqlite3": "django.db.backends.sqlite3",
        }
        engine = aliases.get(engine.rsplit(".", 1)[-1].lower(), engine)
        return {
            "ENGINE": engine,
            "NAME": env.str("DB_NAME", default=str(VAR_DIR / "db.sqlite3")),
            "USER": env.str("DB_USER", default=""),
            "PASSWORD": env.str("DB_PASSWORD", default=""),
            "HOST": env.str("DB_HOST", default=""),
            "PORT": env.str("DB_PORT", default=""),
        }
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    return {"ENGINE": "django.db.backends.sqlite3", "NAME": str(VAR_DIR / "db.sqlite3")}


# PostgreSQL's JIT compiles the as-of aggregations' plans on every request: 1.4 s of a 2.0 s
# query at 100k documents, for no faster execution. Off unless POSTGRES_JIT=true.
POSTGRES_JIT = env.bool("POSTGRES_JIT", default=False)


def _tune(database: dict) -> dict:
    """Per-engine connection options: SQLite waits for locks; PostgreSQL runs without JIT."""
    options = database.setdefault("OPTIONS", {})
    if database["ENGINE"].endswith("sqlite3"):
        # Several processes (web, pipeline) share the file: wait for locks instead of failing.
        options.setdefault("timeout", 20)
        # Write-ahead log: pages (the sync progress poll) keep reading while a sync's long
        # load transaction writes; in the default rollback journal they wait for its commit.
        options.setdefault("init_command", "PRAGMA journal_mode=WAL;")
    elif "postgresql" in database["ENGINE"] and not POSTGRES_JIT:
        options["options"] = f"{options.get('options', '')} -c jit=off".strip()
    return database


DATABASES = {"default": _tune(_database())}
DATABASES["default"].setdefault("CONN_MAX_AGE", _int("CONN_MAX_AGE", 60))
# A reused connection is checked before each request's first query: after a database restart
# (or a failover) the first request on each worker reconnects instead of answering 500.
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", _bool("CONN_HEALTH_CHECKS", True))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


def _replica() -> dict | None:
    """DATABASE_REPLICA_URL: a read replica of `default` for dashboard reads (config/routers.py)."""
    if not env.str("DATABASE_REPLICA_URL", default=""):
        return None
    replica = _database_url("DATABASE_REPLICA_URL")
    replica.setdefault("CONN_MAX_AGE", DATABASES["default"]["CONN_MAX_AGE"])
    replica.setdefault("CONN_HEALTH_CHECKS", DATABASES["default"]["CONN_HEALTH_CHECKS"])
    _tune(replica)
    # Under test the alias reads the test database through a connection of its own.
    replica["TEST"] = {"MIRROR": "default"}
    return replica


if (_replica_db := _replica()) is not None:
    DATABASES["replica"] = _replica_db
    DATABASE_ROUTERS = ["config.routers.ReplicaRouter"]
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.contrib.sessions.middleware.SessionMiddleware"),
        "config.routers.ReplicaRoutingMiddleware",
    )
# Off sends every read to `default` while keeping the alias (e.g. replica maintenance).
REPLICA_READS = _bool("REPLICA_READS", True)
# Read-your-writes: after a request that writes (POST, ...), the same browser reads the primary
# for this long; set it above the replica's worst replay lag.
REPLICA_LAG_SECONDS = _int("REPLICA_LAG_SECONDS", 10)
if REPLICA_LAG_SECONDS < 0:
    raise ImproperlyConfigured("REPLICA_LAG_SECONDS cannot be negative")

# Redis (shared by every web node and process) when REDIS_URL is set; else CACHE_URL; else
# per-process memory. Cached API answers are keyed by the ledger version (ar_dashboard/
# answer_cache.py), so either is correct; only Redis shares entries and hit counters.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    if not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured(
            f"REDIS_URL={REDIS_URL!r} must start with redis://, rediss:// or unix://"
        )
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "ar",
        }
    }
    # Sessions read from Redis, written through to the database (they survive a Redis flush).
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
# How long a cached API answer lives; 0 turns the answer cache off. A sync never waits for it:
# the new ledger version is a new key.
CACHE_TTL_SECONDS = _int("CACHE_TTL_SECONDS", 300)
if CACHE_TTL_SECONDS < 0:
    raise ImproperlyConfigured("CACHE_TTL_SECONDS cannot be negative")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "ar_dashboard:home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="en-us")
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "config.storage.StaticFilesStorage"
        )
    },
}

REST_FRAMEWORK = {
    # Token first: an anonymous API call then gets 401 with `WWW-Authenticate: Token`.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "COERCE_DECIMAL_TO_STRING": True,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "AR Aging Dashboard API",
    "DESCRIPTION": "Accounts receivable aging, per currency, as of any date. Money is a "
    "decimal string in the currency's minor units.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Swagger UI assets ship in drf-spectacular-sidecar: no CDN, works offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Upstream data source (Unified.to) and the pipeline.
UNIFIED_API_KEY = env.str("UNIFIED_API_KEY", default="")
UNIFIED_BASE_URL = env.str("UNIFIED_BASE_URL", default="https://api.unified.to")
UNIFIED_WEBHOOK_SECRET = env.str("UNIFIED_WEBHOOK_SECRET", default="")
# Accepted webhook deliveries are remembered this many days (to refuse replays); a delivery
# whose records' newest updated_at is older than this is refused as stale.
WEBHOOK_REPLAY_DAYS = _int("WEBHOOK_REPLAY_DAYS", 30)
if not 1 <= WEBHOOK_REPLAY_DAYS <= 3650:
    raise ImproperlyConfigured("WEBHOOK_REPLAY_DAYS must be 1..3650")
UNIFIED_TIMEOUT_SECONDS = env.float("UNIFIED_TIMEOUT_SECONDS", default=30.0)
UNIFIED_MAX_RETRIES = _int("UNIFIED_MAX_RETRIES", 5)
UNIFIED_MAX_RATE_LIMIT_RETRIES = _int("UNIFIED_MAX_RATE_LIMIT_RETRIES", 10)
# An incremental sync re-reads this many seconds before its watermark: a record edited while
# the previous sync paged can slip behind the offset, and its updated_at behind the cursor.
UNIFIED_CURSOR_OVERLAP_SECONDS = _int("UNIFIED_CURSOR_OVERLAP_SECONDS", 300)
if UNIFIED_CURSOR_OVERLAP_SECONDS < 0:
    raise ImproperlyConfigured("UNIFIED_CURSOR_OVERLAP_SECONDS cannot be negative")
UNIFIED_PAGE_SIZE = _int("UNIFIED_PAGE_SIZE", 100)
DAGSTER_URL = env.str("DAGSTER_URL", default="http://127.0.0.1:3000")
# dagster-status waits this long for Dagster before answering from the SyncLog: it holds a
# web worker meanwhile, so keep it short.
DAGSTER_STATUS_TIMEOUT_SECONDS = env.float("DAGSTER_STATUS_TIMEOUT_SECONDS", default=1.0)
if not 0 < DAGSTER_STATUS_TIMEOUT_SECONDS <= 30:
    raise ImproperlyConfigured("DAGSTER_STATUS_TIMEOUT_SECONDS must be above 0 and at most 30")
PIPELINE_TIMEZONE = env.str("PIPELINE_TIMEZONE", default=TIME_ZONE)
# The home page warns when no sync has succeeded for this many hours (the schedules run every
# 4 hours and daily, so a day and a bit means at least one missed run).
AR_SYNC_STALE_HOURS = _int("AR_SYNC_STALE_HOURS", 26)
if AR_SYNC_STALE_HOURS < 1:
    raise ImproperlyConfigured("AR_SYNC_STALE_HOURS must be at least 1")
# One sync per company: a running sync refreshes its SyncLog's heartbeat every
# SYNC_HEARTBEAT_SECONDS; one silent for longer than SYNC_LEASE_SECONDS died and is reaped.
SYNC_LEASE_SECONDS = _int("SYNC_LEASE_SECONDS", 300)
SYNC_HEARTBEAT_SECONDS = _int("SYNC_HEARTBEAT_SECONDS", 30)
if not 0 < SYNC_HEARTBEAT_SECONDS < SYNC_LEASE_SECONDS:
    raise ImproperlyConfigured(
        f"SYNC_HEARTBEAT_SECONDS={SYNC_HEARTBEAT_SECONDS} must be above 0 and below "
        f"SYNC_LEASE_SECONDS={SYNC_LEASE_SECONDS}, or live syncs would be reaped"
    )

# Collections (issue 19): reminder emails go through Django's email settings (EMAIL_*).
# A reminder is tried REMINDER_SEND_ATTEMPTS times per run, waiting REMINDER_RETRY_SECONDS,
# then twice that, …; a message still failing is retried by the next run, until it has been
# tried REMINDER_MAX_ATTEMPTS times in all.
REMINDER_SEND_ATTEMPTS = _int("REMINDER_SEND_ATTEMPTS", 3)
REMINDER_RETRY_SECONDS = env.float("REMINDER_RETRY_SECONDS", default=2.0)
REMINDER_MAX_ATTEMPTS = _int("REMINDER_MAX_ATTEMPTS", 9)
if not 1 <= REMINDER_SEND_ATTEMPTS <= REMINDER_MAX_ATTEMPTS or REMINDER_RETRY_SECONDS < 0:
    raise ImproperlyConfigured(
        "REMINDER_SEND_ATTEMPTS must be 1..REMINDER_MAX_ATTEMPTS and REMINDER_RETRY_SECONDS ≥ 0"
    )
# Onboarding (accounts/): "Connect QuickBooks" sends the browser to Unified.to's hosted
# authorization for this workspace; its signed `state` is good for CONNECT_STATE_MAX_AGE_SECONDS.
UNIFIED_WORKSPACE_ID = env.str("UNIFIED_WORKSPACE_ID", default="")
UNIFIED_INTEGRATION = env.str("UNIFIED_INTEGRATION", default="quickbooks")
CONNECT_STATE_MAX_AGE_SECONDS = _int("CONNECT_STATE_MAX_AGE_SECONDS", 900)
INVITATION_MAX_AGE_DAYS = _int("INVITATION_MAX_AGE_DAYS", 7)
if CONNECT_STATE_MAX_AGE_SECONDS <= 0 or INVITATION_MAX_AGE_DAYS <= 0:
    raise ImproperlyConfigured(
        "CONNECT_STATE_MAX_AGE_SECONDS and INVITATION_MAX_AGE_DAYS must be positive"
    )
# `manage.py run_sync_worker` looks for queued syncs this often.
SYNC_WORKER_INTERVAL_SECONDS = env.float("SYNC_WORKER_INTERVAL_SECONDS", default=2.0)

# Uploaded files (company logos for PDFs).
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")

# Email (invitations): SMTP when EMAIL_HOST is set, else printed to the console in DEBUG.
EMAIL_HOST = env.str("EMAIL_HOST", default="")
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="") or (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST or not DEBUG
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = _int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = _bool("EMAIL_USE_TLS", True)
EMAIL_USE_SSL = _bool("EMAIL_USE_SSL", False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL cannot both be true")
EMAIL_TIMEOUT = _int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="AR Aging <ar@localhost>")

# Security: on by default whenever DEBUG is off (`manage.py check --deploy` is clean).
# Behind a reverse proxy that sets X-Forwarded-Proto/-Host (and strips what clients send),
# TRUSTED_PROXY=true lets Django believe them; without one a client could claim HTTPS.
TRUSTED_PROXY = _bool("TRUSTED_PROXY", False)
if TRUSTED_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
USE_X_FORWARDED_HOST = TRUSTED_PROXY
SECURE_SSL_REDIRECT = _bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
SECURE_HSTS_SECONDS = _int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = _bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = _bool("SECURE_HSTS_PRELOAD", False)
SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = _bool("CSRF_COOKIE_SECURE", not DEBUG)
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True  # no JavaScript reads it: forms post the hidden field
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
# Browser features no page uses, refused to the pages and anything they embed.
PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(), "
    "gyroscope=(), magnetometer=(), microphone=(), midi=(), payment=(), usb=()"
)

# Content-Security-Policy (django-csp 4): scripts, styles, images and API calls from this
# origin only; no inline script or style anywhere (templates load static files).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        # Stylesheets from this origin, plus the one <style> element gridstack writes its row
        # heights into (by nonce). Style *attributes* are allowed: ECharts draws its SVG
        # charts and tooltips with them. They cannot run script or load anything beyond
        # img-src; what stays closed is <style> injection (CSS selectors reading the page).
        "style-src": ["'self'", NONCE],
        "style-src-elem": ["'self'", NONCE],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"] + env.list("CSP_FORM_ACTION", default=[]),
        "frame-ancestors": ["'none'"],
    }
}
if _csp_report_uri := env.str("CSP_REPORT_URI", default=""):
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["report-uri"] = [_csp_report_uri]

# Login throttling (django-axes): after AXES_FAILURE_LIMIT failed sign-ins, the account and
# the client address are locked for AXES_COOLOFF_MINUTES (admin and app login alike).
# `manage.py axes_reset` (or axes_reset_username / axes_reset_ip) lifts a lockout.
AUTHENTICATION_BACKENDS = [
    "config.auth_backends.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_ENABLED = _bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = _int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_MINUTES = _int("AXES_COOLOFF_MINUTES", 15)
if AXES_FAILURE_LIMIT < 1 or AXES_COOLOFF_MINUTES < 1:
    raise ImproperlyConfigured("AXES_FAILURE_LIMIT and AXES_COOLOFF_MINUTES must be at least 1")
AXES_COOLOFF_TIME = timedelta(minutes=AXES_COOLOFF_MINUTES)


def _lockout_parameters(raw: str) -> list:
    """`username,ip_address` → each locked on its own; `username+ip_address` → the pair."""
    allowed = {"username", "ip_address", "user_agent"}
    parameters = []
    for item in filter(None, (part.strip() for part in raw.split(","))):
        names = [name.strip() for name in item.split("+")]
        if not set(names) <= allowed:
            raise ImproperlyConfigured(
                f"AXES_LOCKOUT_PARAMETERS={raw!r}: use username, ip_address, user_agent, "
                "comma-separated, + for a combination"
            )
        parameters.append(names[0] if len(names) == 1 else names)
    if not parameters:
        raise ImproperlyConfigured("AXES_LOCKOUT_PARAMETERS cannot be empty")
    return parameters


AXES_LOCKOUT_PARAMETERS = _lockout_parameters(
    env.str("AXES_LOCKOUT_PARAMETERS", default="username,ip_address")
)
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "config.auth_backends.lockout_response"
AXES_CLIENT_IP_CALLABLE = "config.security.client_ip"
AXES_SENSITIVE_PARAMETERS = ["password"]
AXES_VERBOSE = False

# API throttling per user (and per address for anonymous calls): 429 with a JSON `detail`.
API_THROTTLE_RATE = env.str("API_THROTTLE_RATE", default="600/min")
API_ANON_THROTTLE_RATE = env.str("API_ANON_THROTTLE_RATE", default="60/min")
REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"] = [
    "rest_framework.throttling.UserRateThrottle",
    "rest_framework.throttling.AnonRateThrottle",
]
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {
    "user": API_THROTTLE_RATE,
    "anon": API_ANON_THROTTLE_RATE,
}
# Behind a trusted proxy DRF reads the client from X-Forwarded-For (one proxy hop).
REST_FRAMEWORK["NUM_PROXIES"] = 1 if TRUSTED_PROXY else 0

# The DEBUG error page and error emails hide secrets: settings whose name says KEY, SECRET,
# TOKEN, PASSWORD, URL, DSN…, and any password written inside a URL.
DEFAULT_EXCEPTION_REPORTER_FILTER = "config.error_reports.SecretsFilter"

# Logs: LOG_FORMAT=json (one JSON object per line, for a log collector) or text; every record
# carries the request id (X-Request-ID) of the request it was logged under.
LOG_FORMAT = env.str("LOG_FORMAT", default="text").strip().lower()
if LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured(f"LOG_FORMAT={LOG_FORMAT!r} must be json or text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "config.request_id.RequestIdFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
