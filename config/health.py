"""``/healthz/``: is the database answering, and can we reach the broker?

Load balancers and ``docker compose`` poll this, so it answers quickly even when the
broker is unreachable: one connection attempt with a short timeout, no retry schedule.
"""

import os
import time

from django.db import connection
from django.http import JsonResponse
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
    from tickets.models import OutboundEmail

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


def _ms_since(started: float) -> int:
    return round((time.monotonic() - started) * 1000)


@never_cache
@require_GET
def healthz(request):
    """Answer 200 when the database works, 503 when it does not; report the broker alongside.

    A broker outage does not make the web process unhealthy: tickets can still be opened
    and moved, emails wait in the outbox, and the next sweep catches up missed ticks. So a
    load balancer should keep sending traffic, while monitoring reads ``status``.
    """
    database = _database()
    broker = _broker()
    body = {
        "status": "ok" if database["ok"] and broker["ok"] else "degraded",
        "database": database,
        "broker": broker,
    }
    if database["ok"]:
        body["outbox"] = _outbox()
    return JsonResponse(body, status=200 if database["ok"] else 503)
