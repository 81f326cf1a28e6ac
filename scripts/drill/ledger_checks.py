"""The drill's Django side: prepare the private database, open tickets, check the invariants.

Run by scripts/drill/drill.py with the drill's environment (its own DATABASE_URL):

    python scripts/drill/ledger_checks.py prepare --tier-seconds 20
    python scripts/drill/ledger_checks.py open --count 1000 [--due]
    python scripts/drill/ledger_checks.py invariants --settle-seconds 6
    python scripts/drill/ledger_checks.py counts

Every write goes through the real actions (``do_open_ticket``), so the backlog obeys the
same ledger rules (hash chain included) as real work. Each command prints one JSON object.
"""

import argparse
import json
import os
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.utils import timezone  # noqa: E402

from departments.models import Department, Tier  # noqa: E402
from escalation.sweep import overdue_tickets  # noqa: E402
from outbox.models import OutboundEmail  # noqa: E402
from tickets.actions import do_open_ticket  # noqa: E402
from tickets.ledger import BrokenLedger, current_state, replay  # noqa: E402
from tickets.models import Customer, Handoff, HandoffKind, Ticket  # noqa: E402

FRONT_LINE = "customer-service"


def prepare(tier_seconds: float) -> dict:
    """Give the front-line department's tiers a short time, so tickets climb during the drill."""
    department = Department.objects.get(slug=FRONT_LINE)
    updated = Tier.objects.filter(department=department).update(
        resolve_within=timedelta(seconds=tier_seconds)
    )
    return {"tiers": updated, "tier_seconds": tier_seconds}


def open_tickets(count: int, due: bool, prefix: str) -> dict:
    """Open ``count`` tickets as ana (front line); with ``due``, already past their deadline."""
    ana = get_user_model().objects.get(username="ana")
    department = Department.objects.get(slug=FRONT_LINE)
    tier_time = Tier.objects.get(department=department, level=1).resolve_within
    customer, _ = Customer.objects.get_or_create(name=f"Drill customer {prefix}")
    now = timezone.now()
    opened_at = now - tier_time - timedelta(seconds=1) if due else now
    references = []
    for n in range(count):
        ticket = do_open_ticket(
            by=ana, subject=f"{prefix} drill ticket {n}", customer=customer, department=department,
            now=opened_at,
        )
        references.append(ticket.reference)
    return {"opened": count, "first": references[0] if references else None,
            "last": references[-1] if references else None}


def counts() -> dict:
    kinds = Counter(Handoff.objects.values_list("kind", flat=True))
    return {
        "tickets": Ticket.objects.count(),
        "handoffs": dict(kinds),
        "due_now": overdue_tickets(timezone.now()).count(),
        "outbox_pending": OutboundEmail.objects.filter(sent_at__isnull=True).count(),
        "outbox_sent": OutboundEmail.objects.filter(sent_at__isnull=False).count(),
    }


def sent_messages() -> list:
    """(recipients, subject) of every sent row: compared with what the SMTP sink received."""
    return [
        [sorted(recipients), subject]
        for recipients, subject in OutboundEmail.objects.filter(sent_at__isnull=False)
        .values_list("recipients", "subject")
    ]


def invariants(settle_seconds: float) -> dict:
    """Every invariant the drill promises, read in one snapshot; each list must be empty.

    The workers keep sweeping while we read: without one snapshot, a ticket escalated
    between reading the handoffs and reading the tickets would look inconsistent.
    """
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        return _invariants(settle_seconds)


def _invariants(settle_seconds: float) -> dict:
    problems: dict[str, list] = {}
    transitions = (
        Handoff.objects.filter(kind__in=[HandoffKind.ESCALATED, HandoffKind.BREACHED])
        .values("ticket_id", "kind", "from_tier_id", "due_at")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    problems["two_handoffs_for_one_transition"] = [dict(row) for row in transitions[:20]]
    # A sweep runs every few seconds in the drill: anything due for longer was left behind.
    left = overdue_tickets(timezone.now() - timedelta(seconds=settle_seconds))
    problems["due_tickets_left_behind"] = [t.reference for t in left.order_by("id")[:20]]
    by_ticket: dict[int, list] = {}
    for handoff in Handoff.objects.order_by("id").iterator(chunk_size=5000):
        by_ticket.setdefault(handoff.ticket_id, []).append(handoff)
    mismatched, broken = [], []
    for ticket in Ticket.objects.iterator(chunk_size=5000):
        try:
            state = replay(by_ticket.get(ticket.pk, []))
        except BrokenLedger as exc:
            # Includes anything written after a resolution.
            broken.append(f"{ticket.reference}: {exc}")
            continue
        if state != current_state(ticket):
            mismatched.append(ticket.reference)
    problems["last_handoff_differs_from_state"] = mismatched[:20]
    problems["broken_trail_or_written_after_resolution"] = broken[:20]
    # Work goes on while we look: only a row older than a few drains counts as stuck.
    stuck_before = timezone.now() - timedelta(seconds=max(settle_seconds, 30))
    pending = OutboundEmail.objects.filter(sent_at__isnull=True, created_at__lte=stuck_before)
    problems["outbox_not_drained"] = list(pending.values_list("id", flat=True)[:20])
    return {
        "ok": not any(problems.values()),
        "problems": problems,
        "tickets": len(by_ticket),
        "handoffs": sum(len(v) for v in by_ticket.values()),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("prepare")
    p.add_argument("--tier-seconds", type=float, default=20)
    o = sub.add_parser("open")
    o.add_argument("--count", type=int, required=True)
    o.add_argument("--due", action="store_true")
    o.add_argument("--prefix", default="D")
    i = sub.add_parser("invariants")
    i.add_argument("--settle-seconds", type=float, default=10)
    sub.add_parser("counts")
    sub.add_parser("sent")
    args = parser.parse_args()
    if args.command == "prepare":
        result = prepare(args.tier_seconds)
    elif args.command == "open":
        result = open_tickets(args.count, args.due, args.prefix)
    elif args.command == "invariants":
        result = invariants(args.settle_seconds)
    elif args.command == "sent":
        result = sent_messages()
    else:
        result = counts()
    print(json.dumps(result, default=str))
    return 0 if not isinstance(result, dict) or result.get("ok", True) else 1


if __name__ == "__main__":
    sys.exit(main())
