"""``/healthz/``: is the database answering, and can we reach the broker?"""

from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def _database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return {"ok": True, "vendor": connection.vendor}
    except Exception as exc:
        return {"ok": False, "error": str(exc)[:200]}


def _broker() -> dict:
    from config.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
            return {"ok": True, "transport": conn.transport_cls if isinstance(conn.transport_cls, str) else conn.transport.driver_name}
    except Exception as exc:
        return {"ok": False, "error": str(exc)[:200]}


@never_cache
@require_GET
def healthz(request):
    """Answer 200 when the database works; the broker's state is reported alongside.

    A broker outage does not make the web process unhealthy: tickets can still be worked
    and emails wait in the outbox.
    """
    database = _database()
    broker = _broker()
    status = 200 if database["ok"] else 503
    return JsonResponse(
        {"status": "ok" if database["ok"] and broker["ok"] else "degraded", "database": database, "broker": broker},
        status=status,
    )
