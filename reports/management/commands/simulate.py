"""``manage.py simulate``: play the organisation in the database through days or weeks.

    manage.py simulate --days 35 --seed 7 [--start 2026-10-01] [--calls-per-day 30] [--quiet]

Every move goes through the real actions and the real escalation sweep (see
``reports.simulation``). The same seed on the same starting database writes the same ledger.
"""

import sys
from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from reports.months import local_midnight, organisation_zone
from reports.simulation import DEFAULT_CALLS_PER_DAY, SimulationError, format_summary, simulate


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--start: expected YYYY-MM-DD, got {value!r}.") from exc


class Command(BaseCommand):
    help = "Simulate days or weeks of calls, claims, passes, escalations and surveys (through the real actions)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days", type=int, required=True, help="Local calendar days to simulate."
        )
        parser.add_argument(
            "--seed", type=int, required=True, help="Same seed, same database: same ledger."
        )
        parser.add_argument(
            "--start",
            help="First day (YYYY-MM-DD, organisation time; default: DAYS days before today), "
            "from its local midnight.",
        )
        parser.add_argument(
            "--calls-per-day",
            type=float,
            default=DEFAULT_CALLS_PER_DAY,
            help="Calls on an average weekday (default: %(default)s).",
        )
        parser.add_argument("--quiet", action="store_true", help="No progress bar.")

    def handle(
        self,
        *args,
        days: int,
        seed: int,
        start: str | None,
        calls_per_day: float,
        quiet: bool,
        **options,
    ):
        if days < 1:
            raise CommandError("--days must be at least 1.")
        if calls_per_day < 0:
            raise CommandError("--calls-per-day may not be negative.")
        if start:
            first = local_midnight(_day(start))
        else:
            # Ending today: the only reading of the wall clock, to choose the window.
            today = timezone.now().astimezone(organisation_zone()).date()
            first = local_midnight(today - timedelta(days=days))
        try:
            result = simulate(
                first,
                days,
                seed=seed,
                calls_per_day=calls_per_day,
                progress=not quiet and sys.stderr.isatty(),
            )
        except SimulationError as exc:
            raise CommandError(str(exc)) from exc
        for line in format_summary(result):
            self.stdout.write(line)
