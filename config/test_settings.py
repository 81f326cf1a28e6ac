"""Settings for the test suite: the real PostgreSQL and Redis on 127.0.0.1."""

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tierdesk")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/15")
os.environ.setdefault("STATICFILES_BACKEND", "django.contrib.staticfiles.storage.StaticFilesStorage")

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Every request computes its report: tests change the ledger and read the page again at the
# same frozen instant. tests/reports/test_snapshots.py turns snapshots on.
TIERDESK_REPORT_MAX_AGE_SECONDS = 0
