"""A database at a call centre's size whose history ends now: ``manage.py generate_load``.

``bench.history`` (the same lives, ledger facts, journeys and surveys as the dashboard
benchmark) played up to the moment the command runs, so open tickets are due around now,
queues hold today's calls and the sweep finds what it would find on a real morning. The
desk logs the same each month (60,000 tickets, about 2,000 calls a day, unless told), so a
bigger database is the same desk with a longer history: 100,000 tickets are seven weeks of
it, a million a year and a half. ``extras`` adds notes, referrals and the skewed cases (``bench.history``): one expert
holding thousands of open tickets, a customer with hundreds of tickets, a ticket with
hundreds of handoffs. The rows go in with COPY, the indexes are built after, and the
ledger is replayed in SQL before the database is marked as built (``bench.dashboard``).

A database this built and marked is reused when asked for the same sizes on the same day;
one that holds tickets it did not write is refused, never dropped.
"""

from datetime import UTC, date, datetime

from bench import dashboard
from bench.history import ZONE, epoch, local_midnight, months_back

# A desk logging about 2,000 calls a day: its history is as many such months as the tickets
# need (a million is a year and a half), at most twenty years.
MONTH_TICKETS = 60_000
MAX_MONTHS = 240


def sizes_ending(now_epoch: int, tickets: int, month_tickets: int | None = None) -> dict:
    """The history's shape for ``tickets`` tickets ending at ``now_epoch``: ``month_tickets``
    in every full month (default 60,000, or 60 % of a small database), the
    month so far in proportion, as many months back as the rest needs."""
    local = datetime.fromtimestamp(now_epoch, UTC).astimezone(ZONE)
    year, month = months_back(local.year, local.month, 1)  # the last full month
    month_tickets = month_tickets or min(MONTH_TICKETS, max(1, tickets * 3 // 5))
    this_month = local_midnight(date(local.year, local.month, 1))
    following = local_midnight(date(*months_back(local.year, local.month, -1), 1))
    elapsed = (now_epoch - this_month) / (following - this_month)
    after_month = max(1, round(month_tickets * elapsed))
    after_month = min(after_month, tickets - month_tickets - 1)
    months = round((tickets - after_month) / month_tickets)
    return {"year": year, "month": month, "month_tickets": month_tickets,
            "after_month": after_month, "months": max(2, min(MAX_MONTHS, months)), "steady": True}


def build(tickets: int, *, month_tickets: int | None = None, seed: int = 1, extras: bool = True,
          rebuild: bool = False, progress=None) -> dict:
    """Fill Django's database (PostgreSQL) with ``tickets`` tickets ending now; return the facts."""
    from django.utils import timezone

    now = timezone.now()
    shape = sizes_ending(epoch(now), tickets, month_tickets)
    month_tickets = shape.pop("month_tickets")
    wanted = {"kind": "load", "shape": 2, "extras": extras, "ends_on": now.date().isoformat(),
              "month": f"{shape['year']}-{shape['month']:02d}"}
    return dashboard.build(
        tickets, month_tickets, seed, rebuild=rebuild, wanted_extra=wanted,
        shape={**shape, "now": epoch(now), "extras": extras, "progress": progress},
    )


def describe(facts: dict) -> str:
    lines = [dashboard.describe(facts).replace("October 2026", facts["month"])]
    if facts.get("extras"):
        lines.append(
            f"{facts['tickets_note_rows']:,} notes, {facts['tickets_referral_rows']:,} referrals; "
            f"skewed: one expert holds {facts['hoarded']:,} open tickets, one customer has "
            f"{facts['frequent_customer']:,} tickets, ticket {facts['long_ticket']} has "
            f"{facts['long_ticket_handoffs']:,} handoffs"
        )
    return "\n".join(lines)
