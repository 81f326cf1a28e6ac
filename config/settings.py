"""Tierdesk settings: every value that differs between machines comes from the environment.

With no environment at all Tierdesk runs the embedded default: a SQLite file and Celery's
filesystem broker under ``var/``, so ``make run`` needs nothing but Python.
Set ``DATABASE_URL`` and ``CELERY_BROKER_URL`` for PostgreSQL and Redis.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
env.read_env(BASE_DIR / ".env", overwrite=False)

VAR_DIR = Path(env.str("TIERDESK_VAR_DIR", default=str(BASE_DIR / "var")))

DEBUG = env.bool("DEBUG", default=False)
LOCAL_HOSTS = ["127.0.0.1", "localhost", "[::1]", "testserver"]
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=LOCAL_HOSTS)
# Production always sets a key (docker-compose.yml requires one). Without one, only a
# development setup runs, on the public development key: DEBUG on, or a site answering to
# loopback names only (make run, on SQLite or PostgreSQL; the tests; the benchmarks). With
# DEBUG off and ALLOWED_HOSTS naming any other host, settings refuse to load.
if "SECRET_KEY" in env:
    SECRET_KEY = env.str("SECRET_KEY")
elif DEBUG or set(ALLOWED_HOSTS) <= set(LOCAL_HOSTS):
    SECRET_KEY = "insecure-development-key-change-me-in-production"
else:
    raise ImproperlyConfigured(
        "SECRET_KEY is not set. With DEBUG off and ALLOWED_HOSTS naming a real host, Tierdesk "
        "needs a long random SECRET_KEY in the environment or .env, e.g. "
        "python3 -c 'import secrets; print(secrets.token_urlsafe(50))'."
    )
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "axes",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    # Ours, lowest first: each app imports only the ones above it (docs/architecture.md).
    "core",
    "outbox",
    "departments",
    "tickets",
    "referrals",
    "escalation",
    "reports",
    "desk",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "config.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "config.input_guard.RefuseNulCharacterMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "config.signed_in.SignedInUserMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "config.middleware.OrganisationTimeZoneMiddleware",
    # A GET reads each person, tier and department a list shows once (core.rows).
    "core.rows.RequestRowsMiddleware",
    # A request that fails because the database is unreachable answers 503, not 500.
    "config.health.DatabaseUnavailableMiddleware",
    # Last, as django-axes asks: it turns a lockout flagged during the view into the answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "django.template.context_processors.i18n",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'tierdesk.sqlite3'}"),
}
_on_postgresql = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
# A new PostgreSQL connection costs a process fork and authentication, more than most of the
# statements a page runs: keep each for a minute. SQLite opens a file, nothing to save.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60 if _on_postgresql else 0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASE_POOLER = env.str("DATABASE_POOLER", default="")
if DATABASE_POOLER not in ("", "pgbouncer"):
    raise ImproperlyConfigured(f"DATABASE_POOLER={DATABASE_POOLER!r}: unset, or pgbouncer.")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    # Web, worker and beat share the file: wait for the write lock instead of failing,
    # and take it at BEGIN so two writers never deadlock upgrading a read lock.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
elif _on_postgresql:
    if DATABASE_POOLER == "pgbouncer":
        # Transaction pooling hands each transaction whichever server connection is free: a
        # cursor declared outside a transaction would be gone by the next fetch, and PgBouncer
        # refuses startup options it does not track, so the session settings below come from
        # the role instead (ALTER ROLE ... SET, scripts/db/init-roles.sh).
        DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    else:
        work_mem = env.str("DATABASE_WORK_MEM", default="16MB")
        # Spaces would smuggle further options into the string; PostgreSQL checks the rest.
        if not work_mem.isalnum():
            raise ImproperlyConfigured(f"DATABASE_WORK_MEM={work_mem!r}: a size such as 16MB.")
        # A runaway statement ends as an error instead of holding a worker and its locks.
        # 0 turns the limit off, for migrations that build indexes on big tables.
        statement_timeout_ms = env.int("DATABASE_STATEMENT_TIMEOUT_MS", default=30_000)
        # No JIT: its cost estimates fire on the reports' month-wide statements, and compiling
        # took ~1.1 s for two drill-down queries that run in 0.12 and 0.19 s (bench/dashboard.py
        # at 1,000,000 tickets, docs/benchmarks.md). Short queries never gain from it.
        DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
            f"-c jit=off -c work_mem={work_mem} -c statement_timeout={statement_timeout_ms}"
        )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Throttle counters live here: one process needs nothing more; several web processes should
# share a cache (e.g. CACHE_URL=redis://127.0.0.1:6379/1) so a limit means what it says.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
# With a shared cache a signed-in request reads its session there, not from the database;
# every change is still written to the database first, so a cache flush signs nobody out.
# Not with a per-process cache: one worker would go on trusting a session another ended.
_PER_PROCESS_CACHES = {
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
}
SESSION_ENGINE = (
    "django.contrib.sessions.backends.db"
    if CACHES["default"]["BACKEND"] in _PER_PROCESS_CACHES
    else "django.contrib.sessions.backends.cached_db"
)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- Sign-in lockout and API tokens -------------------------------------------------------
# django-axes counts failed sign-ins (page, admin and API token) in the database: shared by
# every web process, in SQLite as in PostgreSQL, and incremented under a row lock. A
# username and a client address are each locked after this many failures, for this long
# after the last one; unknown usernames are counted and locked exactly like real ones.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = env.int("TIERDESK_LOCKOUT_FAILURES", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.float("TIERDESK_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# Attempts during a lockout do not extend it: the lock ends a fixed time after it began.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# A success does not wipe the failures: it would let someone with an account of their own
# reset the count of the address (and of the account guessed from it) between guesses.
AXES_RESET_ON_SUCCESS = False
AXES_CLIENT_IP_CALLABLE = "core.api.auth.client_address"
AXES_LOCKOUT_CALLABLE = "core.views.account.locked_out"
AXES_VERBOSE = False
# How many reverse proxies in front of Tierdesk append to X-Forwarded-For. 0 (the default):
# the header is ignored and the connection's address is the client's, so a forged header
# changes nothing. Behind one proxy (nginx, a load balancer) set 1: its last entry is used.
TIERDESK_NUM_PROXIES = env.int("TIERDESK_NUM_PROXIES", default=0)
# An API token stops working this many hours after it was issued (the next sign-in through
# the token endpoint issues a new one). Changing one's password revokes every token.
TIERDESK_TOKEN_TTL_HOURS = env.float("TIERDESK_TOKEN_TTL_HOURS", default=24 * 30)

# English is the source language and the default: the API answers in it unless the request's
# Accept-Language asks for another, and so does a page when the browser asks for none of these.
# Each language is named in its own words, so the header's menu reads right to everyone.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("hr", "Hrvatski"), ("hi", "हिन्दी"), ("ro", "Română")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# One format for a date, a date and time, and a time per language: core.display uses them,
# and so does any {{ value|date }} a template writes without a format of its own.
FORMAT_MODULE_PATH = ["config.formats"]
USE_I18N = True
USE_TZ = True
# The API, the workers and storage speak UTC. The organisation's own zone is what pages
# show times in (config.middleware), and calendar months, the Monday digest and the
# monthly email are counted in it.
TIME_ZONE = "UTC"
TIERDESK_TIME_ZONE = env.str("TIERDESK_TIME_ZONE", default="Europe/Bucharest")

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # The manifest storage needs collectstatic's manifest (production images have it);
        # without one, plain storage keeps pages working instead of failing with a 500.
        "BACKEND": env.str(
            "STATICFILES_BACKEND",
            default=(
                "whitenoise.storage.CompressedManifestStaticFilesStorage"
                if (STATIC_ROOT / "staticfiles.json").exists()
                else "django.contrib.staticfiles.storage.StaticFilesStorage"
            ),
        )
    },
}
# Serve static files straight from the apps when collectstatic has not run (make run, tests).
WHITENOISE_USE_FINDERS = True

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
if "EMAIL_URL" in env:
    # e.g. smtp+tls://user:password@mail.example.com:587 sets the backend, host, port and login.
    vars().update(env.email_url("EMAIL_URL"))
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
# SMTP gives up after this many seconds instead of holding an outbox row lock forever.
EMAIL_TIMEOUT = env.float("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Tierdesk <tierdesk@localhost>")
TIERDESK_BASE_URL = env.str("TIERDESK_BASE_URL", default="http://127.0.0.1:8000")

# --- Tierdesk rules -------------------------------------------------------------------
# A new tier's time (departments.models.default_resolve_within); existing tiers keep theirs.
TIERDESK_DEFAULT_RESOLVE_WITHIN = timedelta(hours=env.float("TIERDESK_RESOLVE_WITHIN_HOURS", default=20))
TIERDESK_FRONT_LINE_DEPARTMENT = env.str("TIERDESK_FRONT_LINE_DEPARTMENT", default="customer-service")
ESCALATION_SWEEP_SECONDS = env.float("ESCALATION_SWEEP_SECONDS", default=60)
ESCALATION_BATCH_SIZE = env.int("ESCALATION_BATCH_SIZE", default=1000)
# The dead-man's switch: /healthz/ answers 503 and the managers are told (once) after this
# many sweep intervals without a completed sweep (escalation/heartbeat.py).
ESCALATION_STALE_AFTER_SWEEPS = env.float("ESCALATION_STALE_AFTER_SWEEPS", default=3)
OUTBOX_DRAIN_SECONDS = env.float("OUTBOX_DRAIN_SECONDS", default=30)
# An outbox email is retried by the drain task only after this long, so the drain does
# not race the immediate on_commit delivery of the same row.
OUTBOX_RETRY_AFTER = timedelta(seconds=env.float("OUTBOX_RETRY_AFTER_SECONDS", default=20))
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=20)

# --- Reports: surveys and the thresholds of the figures (docs/metrics.md defines each) ----
TIERDESK_SURVEY_VALID_DAYS = env.int("TIERDESK_SURVEY_VALID_DAYS", default=14)
TIERDESK_QUICK_PASS_MINUTES = env.int("TIERDESK_QUICK_PASS_MINUTES", default=15)
TIERDESK_SHORT_NOTE_CHARS = env.int("TIERDESK_SHORT_NOTE_CHARS", default=20)
TIERDESK_BOUNCE_MINUTES = env.int("TIERDESK_BOUNCE_MINUTES", default=30)
TIERDESK_DUMPING_FACTOR = env.float("TIERDESK_DUMPING_FACTOR", default=2.0)
TIERDESK_DUMPING_MIN_EVENTS = env.int("TIERDESK_DUMPING_MIN_EVENTS", default=3)
# People who held fewer tickets than this at a tier are left out of its highlighting median.
TIERDESK_DUMPING_MIN_HELD = env.int("TIERDESK_DUMPING_MIN_HELD", default=5)
# The dashboard, its CSVs and the API read a month's figures from a snapshot taken at most
# this long ago (reports/metrics/snapshots.py; 0 computes them on every request). Beat
# takes new ones for the months people read, every TIERDESK_REPORT_REFRESH_SECONDS.
TIERDESK_REPORT_MAX_AGE_SECONDS = env.int("TIERDESK_REPORT_MAX_AGE_SECONDS", default=300)
TIERDESK_REPORT_REFRESH_SECONDS = env.int("TIERDESK_REPORT_REFRESH_SECONDS", default=240)
# A transfer sent back to the sender's department within this many hours is "returned".
TIERDESK_RETURNED_TRANSFER_HOURS = env.float("TIERDESK_RETURNED_TRANSFER_HOURS", default=24)
# A resolution "came back" when the customer opens a linked or same-category ticket this soon.
TIERDESK_CAME_BACK_DAYS = env.float("TIERDESK_CAME_BACK_DAYS", default=7)
# Who a time-out is charged to (tickets.responsibility): a release by the owner with at most
# this share of the tier's time left is "late", and an owner who received the ticket less
# than this many minutes before its deadline after such a release is not charged for it.
TIERDESK_LATE_RELEASE_SHARE = env.float("TIERDESK_LATE_RELEASE_SHARE", default=0.25)
TIERDESK_LATE_RECEIPT_MINUTES = env.int("TIERDESK_LATE_RECEIPT_MINUTES", default=60)
# A ticket waiting on the customer (tickets.actions.pause) resumes by itself after this many
# working days of its department's calendar (24/7: that many times 24 hours), fixed when
# the pause starts; the tier's leads are told.
TIERDESK_PAUSE_LIMIT_WORKING_DAYS = env.int("TIERDESK_PAUSE_LIMIT_WORKING_DAYS", default=5)
# How many tickets each list of the home page shows (the most urgent), and a full list's page.
TIERDESK_PANEL_SIZE = env.int("TIERDESK_PANEL_SIZE", default=20)
# Rows on a page of a full list (my tickets, a queue, all open tickets, a customer's
# tickets) and entries in a stretch of a ticket's timeline.
TIERDESK_PAGE_SIZE = env.int("TIERDESK_PAGE_SIZE", default=50)

# --- Celery -----------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
_broker_dir = VAR_DIR / "broker"
if CELERY_BROKER_URL.startswith("filesystem://"):
    # The filesystem transport's worker dies at start if its folders are missing.
    for _folder in ("out", "control", "processed"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "out"),
        "data_folder_out": str(_broker_dir / "out"),
        "control_folder": str(_broker_dir / "control"),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {}
# Results are never read: every task's effect is in the database.
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TIMEZONE = TIERDESK_TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# When the broker is down, publishing must fail fast (the outbox keeps the work) rather
# than hold a web request for the default retry schedule.
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=2)
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Survives beat's clock stepping back (a last run time in the future): escalation/beat.py.
CELERY_BEAT_SCHEDULER = "escalation.beat:ClockSafeScheduler"

# --- REST framework ---------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "core.api.tokens.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["core.api.parsers.LimitedJSONParser"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.errors.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"auth": env.str("TIERDESK_TOKEN_RATE", default="20/min")},
    "NUM_PROXIES": TIERDESK_NUM_PROXIES,
}
# The browsable API (an HTML form for every endpoint) only while debugging; JSON otherwise.
REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"] = ["rest_framework.renderers.JSONRenderer"] + (
    ["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []
)
# What anonymous callers may see (docs/reliability.md, "What is public"):
# - /api/schema/, /api/docs/, /api/redoc/: public by default (they describe endpoints that
#   all need a token, and hold no data); 0 serves them to signed-in users only.
TIERDESK_PUBLIC_API_SCHEMA = env.bool("TIERDESK_PUBLIC_API_SCHEMA", default=True)
# - /healthz/: anonymous callers get only {"status": ...} and the status code; staff,
#   managers and callers sending "Authorization: Bearer <TIERDESK_HEALTH_TOKEN>" also see
#   the database, broker, outbox and clock. The embedded default (SQLite, listening on
#   127.0.0.1 only) shows the details to everyone unless told otherwise.
TIERDESK_PUBLIC_HEALTH_DETAILS = env.bool(
    "TIERDESK_PUBLIC_HEALTH_DETAILS", default=DATABASES["default"]["ENGINE"].endswith("sqlite3")
)
TIERDESK_HEALTH_TOKEN = env.str("TIERDESK_HEALTH_TOKEN", default="")
SPECTACULAR_SETTINGS = {
    "TITLE": "Tierdesk API",
    "DESCRIPTION": "Tickets owned by one person at one tier, escalated by the clock, every handoff recorded.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

if not DEBUG:
    SESSION_COOKIE_HTTPONLY = True
    X_FRAME_OPTIONS = "DENY"
    SECURE_CONTENT_TYPE_NOSNIFF = True

# --- Transport security (docs/reliability.md, "Transport security") ----------------------
# Off unless the environment turns them on: the embedded default and the tests speak plain
# http on 127.0.0.1, where a redirect to https or a secure-only cookie would lock everyone
# out. docker-compose.yml's environment (production behind a TLS proxy) turns them all on.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
# Health probes (the container's own, a load balancer's) call over plain http inside the
# network; redirecting them to https would make a healthy web service look dead.
SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=False)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=False)
# Trust X-Forwarded-Proto only when a TLS-terminating proxy sets it (and strips a client's):
# otherwise any client could claim https.
if env.bool("TIERDESK_BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy (django-csp) on every response: no inline script or style, nothing
# from other origins. The API docs pages (config/urls.py) relax it for themselves only.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
    },
}

# --- The beat schedule: every periodic task in one table --------------------------------
# crontab entries are read in CELERY_TIMEZONE, the organisation's zone.
#
# Periodic work that is harmless to rerun carries no ``expires``: Celery turns it into an
# absolute deadline on beat's clock, which each worker checks against its own, so a beat
# running behind the workers by more than it made every copy arrive "expired" and be
# discarded, and the clock stopped. ``None`` also overrides a task-level default
# (``outbox.drain_outbox`` declares ``expires=60``). The crontab entries keep a 6 h
# expiry: a digest that waited out a day-long outage should not go out days late.
IDEMPOTENT_PERIODIC_OPTIONS = {"expires": None}
CELERY_BEAT_SCHEDULE = {
    # Move every ticket left unresolved past its tier's time one tier up. No expiry (see
    # IDEMPOTENT_PERIODIC_OPTIONS): copies queued during an outage run late and find nothing.
    "escalate-overdue": {
        "task": "escalation.escalate_overdue",
        "schedule": ESCALATION_SWEEP_SECONDS,
        "options": IDEMPOTENT_PERIODIC_OPTIONS,
    },
    # End the pauses of tickets whose customer has not answered within the pause limit:
    # their clock runs again and the tier's leads are told. Each pause ends once, however
    # often it runs; no expiry.
    "expire-pauses": {
        "task": "escalation.expire_pauses",
        "schedule": ESCALATION_SWEEP_SECONDS,
        "options": IDEMPOTENT_PERIODIC_OPTIONS,
    },
    # Tell a tier's leads of each ticket whose time ran out while the person it is charged
    # to was off shift, once, when that person's next shift has started. No expiry.
    "tell-leads-of-off-shift-time-outs": {
        "task": "escalation.tell_leads_of_off_shift_time_outs",
        "schedule": 300,
        "options": IDEMPOTENT_PERIODIC_OPTIONS,
    },
    # Deliver outbox emails that the after-commit hand-off could not (broker or mail outage).
    "drain-outbox": {
        "task": "outbox.drain_outbox",
        "schedule": OUTBOX_DRAIN_SECONDS,
        "options": IDEMPOTENT_PERIODIC_OPTIONS,
    },
    # Tell a department's leads about questions from other departments left unanswered past
    # the department's response target. Flags each referral once, however often it runs.
    "flag-overdue-referrals": {
        "task": "escalation.flag_overdue_referrals",
        "schedule": ESCALATION_SWEEP_SECONDS,
        "options": IDEMPOTENT_PERIODIC_OPTIONS,
    },
    # Monday 07:00 on the organisation's clock: last week's bulletins to every member of staff
    # who has not opted out. Sent once per week even if beat fires twice.
    "weekly-bulletin-digest": {
        "task": "departments.send_weekly_digest",
        "schedule": crontab(day_of_week=1, hour=7, minute=0),
        "options": {"expires": 6 * 3600},
    },
    # The 1st of the month at 07:00 organisation time: last month's summary to every manager.
    # Recorded per month, so a doubled beat sends nothing twice.
    "send-monthly-summary": {
        "task": "reports.send_monthly_summary",
        "schedule": crontab(day_of_month=1, hour=7, minute=0),
        "options": {"expires": 6 * 3600},
    },
    # Take new snapshots of the months people read before theirs expire, so nobody waits
    # for a month to be computed. No expiry: a copy queued behind another finds the
    # snapshots fresh and takes none.
    "refresh-report-snapshots": {
        "task": "reports.refresh_report_snapshots",
        "schedule": TIERDESK_REPORT_REFRESH_SECONDS,
        "options": IDEMPOTENT_PERIODIC_OPTIONS,
    },
    # Every day at 00:05 organisation time: seal the handoff ledger (one hash over every
    # ticket's chain head, with counts) and email the seal to the managers. One seal per
    # day, so a doubled beat or a rerun writes and sends nothing more; no expiry needed.
    "seal-ledger": {
        "task": "tickets.seal_ledger",
        "schedule": crontab(hour=0, minute=5),
    },
}
