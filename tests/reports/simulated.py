"""A simulated October for the report tests, played by the product's simulator.

The organisation of ``tests.factories.build_organisation`` is played from a week before
October to a week after it, with every habit of the dumping report, and October is closed
the way beat closes it: its summary "goes out" at 07:00 on 1 November. Because the ledger is
append-only the close can be recorded after the simulation has played past it: the month
is reported as of that instant all the same.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.core.management import call_command

from reports.months import Month
from reports.simulation import SimulationResult, simulate
from reports.summary import send_monthly_summary
from tests.factories import Organisation, build_organisation

OCTOBER = Month(2026, 10)
OCTOBER_CLOSES = datetime(2026, 11, 1, 5, tzinfo=UTC)  # 07:00 in Bucharest


@dataclass
class SimulatedMonth:
    organisation: Organisation
    result: SimulationResult
    closed_at: datetime | None


def simulated_october(*, seed: int, calls_per_day: int = 8, close: bool = True):
    """Play September 24 to November 8 and close October; flush everything afterwards.

    A generator for module-scoped fixtures: the rows are committed (the fixture runs
    outside the tests' transactions) and removed when the module's tests are done.
    """
    try:
        org = build_organisation()
        result = simulate(
            OCTOBER.start - timedelta(days=7), 46, seed=seed, calls_per_day=calls_per_day
        )
        if close:
            send_monthly_summary(OCTOBER, now=OCTOBER_CLOSES)
        yield SimulatedMonth(org, result, OCTOBER_CLOSES if close else None)
    finally:
        call_command("flush", interactive=False, verbosity=0)
