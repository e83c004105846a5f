"""Baton settings, read from the environment.

With nothing set, Baton runs on the embedded default: SQLite, Celery in eager mode (no broker), console
email and private files under ./var. DATABASE_URL and REDIS_URL switch to PostgreSQL and a real broker;
DEBUG=0 turns on the production hardening and makes SECRET_KEY and ALLOWED_HOSTS mandatory.
"""

import sys
import warnings
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from procurement.conf import api as conf_api
from procurement.conf import caching as conf_caching
from procurement.conf import network as conf_network
from procurement.conf import observability as conf_observability
from procurement.conf import passkeys as conf_passkeys
from procurement.conf import portal as conf_portal
from procurement.conf import sso as conf_sso
from procurement.conf import storage as conf_storage
from procurement.conf import webhooks as conf_webhooks

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()

DEBUG = env.bool("DEBUG", default=True)
TESTING = "pytest" in sys.modules or env.bool("BATON_TESTING", default=False)

_DEV_SECRET = "baton-development-only-secret-key-never-use-in-production-0123456789"  # noqa: S105
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = _DEV_SECRET
    # `make run` says so in its sign-in table instead (BATON_DEV_KEY_NOTED), once rather than per command.
    if not TESTING and not env.bool("BATON_DEV_KEY_NOTED", default=False):
        warnings.warn(
            "\n*** Baton is running with the DEVELOPMENT secret key. Set SECRET_KEY and DEBUG=0 in production. ***",
            stacklevel=1,
        )

if DEBUG:
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
else:
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off.")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "guardian",
    "simple_history",
    "django_htmx",
    "axes",
    "django_countries",  # Vendor.country: the list of countries, their names (issue 21)
    "procurement.apps.ProcurementConfig",
    "procurement.accounts.apps.AccountsConfig",
    "procurement.audit.apps.AuditConfig",
    "procurement.documents.apps.DocumentsConfig",
    "procurement.notifications.apps.NotificationsConfig",
    "procurement.sso.apps.SsoConfig",
    "procurement.passkeys.apps.PasskeysConfig",
    "procurement.api.apps.ApiConfig",
    "procurement.webhooks.apps.WebhooksConfig",
    "vendors.apps.VendorsConfig",
    "awards.apps.AwardsConfig",
    "contracts.apps.ContractsConfig",
    *conf_observability.APPS,
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "procurement.middleware.UserTimeZoneMiddleware",  # times in the signed-in person's own zone (issue 21)
    "procurement.middleware.DomainErrorMiddleware",
    "procurement.middleware.DebugNotFoundMiddleware",  # Baton's 404 page under DEBUG, not the URL list (issue 21)
    "axes.middleware.AxesMiddleware",
    "procurement.bidders.BidderConfinementMiddleware",  # bidder contacts reach only the portal (issue 20)
]
MIDDLEWARE = conf_observability.middleware(MIDDLEWARE)

ROOT_URLCONF = "procurement.urls"
WSGI_APPLICATION = "procurement.wsgi.application"

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
                "django.template.context_processors.csp",
                "procurement.context_processors.navigation",
            ],
            "string_if_invalid": "" if not TESTING else "",
        },
    }
]

# --- database -------------------------------------------------------------------------------------------
VAR_DIR = Path(env.str("BATON_VAR_DIR", default=str(BASE_DIR / "var")))
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'baton.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    # IMMEDIATE takes the write lock when a transaction starts, so two writers queue instead of one
    # failing half-way: SQLite's stand-in for select_for_update.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- users, roles, object permissions ------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses sign-in while a username+IP pair is cooling off
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTHENTICATION_BACKENDS = conf_sso.backends(env, AUTHENTICATION_BACKENDS)  # + OpenID Connect when configured
ANONYMOUS_USER_NAME = None  # guardian: anonymous visitors hold no object permissions at all
GUARDIAN_MONKEY_PATCH_USER = False
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# Sign-in throttling (django-axes): after AXES_FAILURE_LIMIT failures for the same username from the same
# address, that pair waits AXES_COOLOFF_TIME — a cool-off, never a permanent lock.
from datetime import timedelta  # noqa: E402

AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- i18n ------------------------------------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = env.str("TIME_ZONE", default="Europe/London")
USE_I18N = True
USE_TZ = True

# --- static and private files -------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
    ("vendor/simplewebauthn", BASE_DIR / "node_modules" / "@simplewebauthn" / "browser" / "dist" / "bundle"),
]
PRIVATE_STORAGE_ROOT = Path(env.str("PRIVATE_STORAGE_ROOT", default=str(VAR_DIR / "private")))
STORAGES = conf_storage.storages(
    env,
    private_root=str(PRIVATE_STORAGE_ROOT),
    static_backend=(
        "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    ),
)
WHITENOISE_USE_FINDERS = DEBUG
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
EVIDENCE_MAX_BYTES = env.int("EVIDENCE_MAX_BYTES", default=25 * 1024 * 1024)
# Request limits: a body (without its files) over DATA_UPLOAD_MAX_MEMORY_SIZE or with more than
# DATA_UPLOAD_MAX_NUMBER_FIELDS fields is answered 400; a file over BATON_UPLOAD_MAX_BYTES is cut off while it
# streams in (procurement.uploads) and refused at its form field.
DATA_UPLOAD_MAX_NUMBER_FIELDS = env.int("DATA_UPLOAD_MAX_NUMBER_FIELDS", default=1000)
BATON_UPLOAD_MAX_BYTES = env.int("BATON_UPLOAD_MAX_BYTES", default=EVIDENCE_MAX_BYTES)
FILE_UPLOAD_HANDLERS = [
    "procurement.uploads.BoundedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# --- email -----------------------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Baton <baton@localhost>")

# --- Celery ----------------------------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True  # the database rows are the source of truth, not a result backend
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=120)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=150)
# WeasyPrint holds on to memory between renders; recycle the worker child regularly.
CELERY_WORKER_MAX_TASKS_PER_CHILD = env.int("CELERY_WORKER_MAX_TASKS_PER_CHILD", default=50)
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A new pool child warms up the renderer before it reports UP (documents.tasks); under load that takes longer than
# Celery's 4 s default, and a child that misses it is killed and replaced for ever (seen in tests/integration/
# test_faults.py after a child died mid-render): documents then wait until the worker restarts.
CELERY_WORKER_PROC_ALIVE_TIMEOUT = env.int("CELERY_WORKER_PROC_ALIVE_TIMEOUT", default=60)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# One publish attempt: with Redis down a request must not hang ~6 s in kombu's retries. Job rows stay
# PENDING and the beat sweeper queues them again.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600, "socket_connect_timeout": 2, "max_retries": 1}
CELERY_TIMEZONE = TIME_ZONE

# --- security --------------------------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 10
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

from django.utils.csp import CSP  # noqa: E402

# Enforced everywhere (development included) so a page that would break under it fails in the tests first.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

LOGGING = conf_observability.logging_config(env)
vars().update(conf_observability.settings_for(env))

# --- shared cache and the client's address behind proxies (procurement.conf) -----------------------------
CACHES = conf_caching.caches(env)
vars().update(conf_network.settings_for(env))

# --- fitting into the organisation: single sign-on, passkeys, the REST API, webhooks (procurement.conf) ------
vars().update(conf_sso.settings_for(env))
vars().update(conf_passkeys.settings_for(env))
vars().update(conf_api.settings_for(env))
vars().update(conf_webhooks.settings_for(env))
vars().update(conf_portal.settings_for(env))  # the bidders' portal (issue 20)

# Baton's own knobs.
# Links in emails; passkeys take their relying party (host) from it: a name, since browsers refuse a bare IP address.
BATON_SITE_URL = env.str("BATON_SITE_URL", default="http://localhost:8000")
# Sign-off asks for the password again; after BATON_SIGNOFF_FAILURE_LIMIT wrong ones a user waits
# BATON_SIGNOFF_COOLOFF_MINUTES before trying again (procurement.throttle, counted in the cache).
BATON_SIGNOFF_FAILURE_LIMIT = env.int("BATON_SIGNOFF_FAILURE_LIMIT", default=5)
BATON_SIGNOFF_COOLOFF_MINUTES = env.int("BATON_SIGNOFF_COOLOFF_MINUTES", default=15)
BATON_STANDSTILL_DAYS = env.int("BATON_STANDSTILL_DAYS", default=10)  # days between award and contract signature
# The least time bidders get once the RFP is out, in calendar days per vendor tier; the strictest tier among the
# invited bidders applies (untiered counts as critical). Shorter only with a short-response waiver
# (awards.selectors.timeline). Response period: issue -> proposals due; Q&A window: issue -> question deadline.
BATON_MIN_RESPONSE_DAYS = {"low": 10, "medium": 15, "high": 20, "critical": 25}
BATON_MIN_QA_DAYS = {"low": 5, "medium": 7, "high": 10, "critical": 10}
BATON_PAYMENT_SEGREGATION = env.bool("BATON_PAYMENT_SEGREGATION", default=True)  # record, approve, pay: three people
BATON_NOTICE_LEAD_DAYS = env.int("BATON_NOTICE_LEAD_DAYS", default=30)  # remind before a contract's notice deadline
BATON_RENEWAL_LEAD_DAYS = env.int("BATON_RENEWAL_LEAD_DAYS", default=60)  # remind before its end/renewal date
BATON_DEMO_PASSWORD = "baton-demo-2026"  # noqa: S105 - published demo logins; seed_demo refuses DEBUG off
