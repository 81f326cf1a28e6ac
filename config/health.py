"""``/healthz/``: is the database answering, is the clock ticking, can we reach the broker?

Load balancers and ``docker compose`` poll this, so it answers quickly even when the
broker is unreachable: one connection attempt with a short timeout, no retry schedule.

Anonymous callers get only ``{"status": ...}`` and the status code; the details (database
vendor, broker, outbox backlog, clock) go to staff, managers and holders of
``TIERDESK_HEALTH_TOKEN`` (or to everyone with ``TIERDESK_PUBLIC_HEALTH_DETAILS``).
"""

import hmac
import os
import time

from django.conf import settings
from django.db import OperationalError, connection
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

# A health check that waits longer than the poller's own timeout reports nothing useful.
BROKER_CHECK_TIMEOUT = 1.5
ERROR_LENGTH = 200


def _database() -> dict:
    started = time.monotonic()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        # A failed connect leaves a broken handle behind; drop it so the next request
        # reconnects instead of reusing it.
        connection.close_if_unusable_or_obsolete()
        return {"ok": False, "error": str(exc)[:ERROR_LENGTH]}
    return {"ok": True, "vendor": connection.vendor, "ms": _ms_since(started)}


def _outbox() -> dict:
    """Emails still waiting for delivery: a growing number means the broker or mail is down."""
    from outbox.models import OutboundEmail

    try:
        return {"pending": OutboundEmail.objects.filter(sent_at__isnull=True).count()}
    except Exception as exc:
        return {"error": str(exc)[:ERROR_LENGTH]}


def _filesystem_folders_problem(transport_options: dict) -> str | None:
    """The filesystem broker "connects" to anything; what matters is that its folders exist."""
    for key in ("data_folder_in", "data_folder_out", "control_folder"):
        folder = transport_options.get(key)
        if folder and not (os.path.isdir(folder) and os.access(folder, os.W_OK)):
            return f"{key} {folder} is missing or not writable"
    return None


def _broker() -> dict:
    from config.celery import app

    started = time.monotonic()
    # Read broker_url now rather than the URL Celery froze at start, so the answer follows
    # the configuration the web process would publish with.
    url = app.conf.broker_url
    try:
        with app.connection_for_write(url=url, connect_timeout=BROKER_CHECK_TIMEOUT) as conn:
            transport = conn.transport.driver_name
            if transport == "filesystem":
                problem = _filesystem_folders_problem(app.conf.broker_transport_options or {})
                if problem:
                    return {"ok": False, "transport": transport, "error": problem}
            conn.ensure_connection(
                max_retries=0, interval_start=0, interval_step=0, timeout=BROKER_CHECK_TIMEOUT
            )
            return {"ok": True, "transport": transport, "ms": _ms_since(started)}
    except Exception as exc:
        return {"ok": False, "error": str(exc)[:ERROR_LENGTH]}


def _clock() -> dict:
    """Age of the last completed sweep; the first caller to find it stale tells the managers."""
    from escalation.heartbeat import clock_status, try_report_stopped_clock

    try:
        status = clock_status()
        if not status.ok:
            try_report_stopped_clock()
        return status.as_dict()
    except Exception as exc:
        return {"ok": False, "error": str(exc)[:ERROR_LENGTH]}


def _may_see_details(request, database_ok: bool) -> bool:
    if settings.TIERDESK_PUBLIC_HEALTH_DETAILS:
        return True
    token = settings.TIERDESK_HEALTH_TOKEN
    header = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(header.encode(), f"Bearer {token}".encode()):
        return True
    if not database_ok:
        # The session and the user live in the database: nobody can be recognised.
        return False
    from departments.roles import is_manager

    try:
        user = request.user
        return bool(user.is_authenticated and (user.is_staff or is_manager(user)))
    except Exception:
        return False


def _ms_since(started: float) -> int:
    return round((time.monotonic() - started) * 1000)


@never_cache
@require_GET
def healthz(request):
    """Answer 200 when the database works and the clock ticks, 503 otherwise.

    A broker outage alone does not make the web process unhealthy: tickets can still be
    opened and moved, emails wait in the outbox, and the next sweep catches up missed
    ticks. So a load balancer should keep sending traffic, while monitoring reads
    ``status``. A clock without a completed sweep for ``ESCALATION_STALE_AFTER_SWEEPS``
    intervals is the one failure nobody would otherwise see: 503, and the managers are
    emailed once.
    """
    database = _database()
    broker = _broker()
    body = {"status": "degraded", "database": database, "broker": broker}
    healthy = database["ok"]
    if database["ok"]:
        body["clock"] = _clock()
        body["outbox"] = _outbox()
        healthy = body["clock"]["ok"]
    if healthy and broker["ok"]:
        body["status"] = "ok"
    status_code = 200 if healthy else 503
    if not _may_see_details(request, database["ok"]):
        body = {"status": body["status"]}
    return JsonResponse(body, status=status_code)


class DatabaseUnavailableMiddleware:
    """Answer 503 with ``Retry-After`` instead of a 500 when the database cannot be reached.

    A request that fails because PostgreSQL refuses or drops connections did nothing
    (its transaction never committed): "try again shortly" is the truthful answer, and it
    keeps an outage out of the 500s that mean a bug.
    """

    RETRY_AFTER_SECONDS = 5

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError):
            return None
        connection.close_if_unusable_or_obsolete()
        message = _("The database is unavailable; nothing was changed. Try again shortly.")
        if request.path.startswith("/api/"):
            response = JsonResponse(
                {"detail": message, "code": "database_unavailable"}, status=503
            )
        else:
            response = HttpResponse(message, status=503, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = str(self.RETRY_AFTER_SECONDS)
        return response
