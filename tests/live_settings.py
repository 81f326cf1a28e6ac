"""Settings for processes that the live tests start (a real Celery worker with beat).

The same as ``config.test_settings`` except that the email backend comes from the
environment again: the worker runs in another process, so the test reads what it sent
from files (``EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend`` and
``EMAIL_FILE_PATH``) instead of from ``django.core.mail.outbox``.
"""

from config.test_settings import *  # noqa: F403
from config.test_settings import env

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.locmem.EmailBackend")
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=EMAIL_FILE_PATH)  # noqa: F405
