"""``manage.py generate_load --tickets 1000000``: a call centre's two years, ending now.

    manage.py generate_load --tickets 1000000 [--month-tickets N] [--seed 1] [--no-skew]
                            [--rebuild] [--quiet]

Fills the configured PostgreSQL database quickly (COPY, with a progress bar) with customers,
tickets, their handoffs and holdings, notes, referrals and survey answers, shaped like what
``simulate`` writes through the real actions and consistent with the same invariants: the
ledger replays to every ticket's state and journey facts (checked in SQL before the command
ends). It includes the skewed cases a real desk has (``--no-skew`` leaves them out): one
expert holding thousands of open tickets, a customer with hundreds of tickets, a ticket with
hundreds of handoffs. ``bench.load`` says how.

The database is dropped and created again, so it must be empty, missing, or one this
command (or the benchmarks) built: a database with other tickets is refused. Asked again
for the same sizes on the same day, the command reuses what it built.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

MINIMUM_TICKETS = 1_000


class Command(BaseCommand):
    help = "Fill the (PostgreSQL) database with N tickets of a call centre's history ending now."

    def add_arguments(self, parser):
        parser.add_argument("--tickets", type=int, required=True, help="Tickets in the database.")
        parser.add_argument("--month-tickets", type=int,
                            help="Opened in each full month (default 60,000: about 2,000 calls a day).")
        parser.add_argument("--seed", type=int, default=1, help="Same seed, same rows (default 1).")
        parser.add_argument("--no-skew", action="store_true",
                            help="Without notes, referrals and the skewed cases.")
        parser.add_argument("--rebuild", action="store_true",
                            help="Build again even if the database already holds these sizes.")
        parser.add_argument("--quiet", action="store_true", help="No progress bar.")

    def handle(self, *args, tickets: int, month_tickets: int | None, seed: int, no_skew: bool,
               rebuild: bool, quiet: bool, **options):
        if tickets < MINIMUM_TICKETS:
            raise CommandError(f"--tickets must be at least {MINIMUM_TICKETS:,}.")
        if month_tickets is not None and not 0 < month_tickets < tickets * 0.9:
            raise CommandError("--month-tickets must be between 1 and 90 % of --tickets.")
        if connection.vendor != "postgresql":
            raise CommandError(
                "generate_load loads with PostgreSQL's COPY: set DATABASE_URL=postgres://..."
            )
        # The benchmarks' package is imported only here: the product never needs it.
        from tqdm import tqdm

        from bench import load

        bars = []  # made at the first ticket, after the migrations have printed their lap

        def progress(done: int) -> None:
            if not bars:
                bars.append(tqdm(total=tickets, unit=" tickets", unit_scale=True, disable=quiet,
                                 file=self.stderr._out, dynamic_ncols=True, leave=False))
            bars[0].update(done - bars[0].n)

        try:
            facts = load.build(tickets, month_tickets=month_tickets, seed=seed,
                               extras=not no_skew, rebuild=rebuild, progress=progress)
        except SystemExit as exc:  # bench.dashboard refuses a database it did not build
            raise CommandError(str(exc)) from exc
        finally:
            for bar in bars:
                bar.close()
        self.stdout.write(load.describe(facts))
