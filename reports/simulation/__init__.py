"""A demo with a past: play the organisation in the database through days or weeks.

Everything goes through the real writes: ``tickets.actions`` (open, resolve on the call,
claim, release, assign, pass up, transfer, resolve, note), the real escalation sweep
``escalation.sweep.escalate_overdue`` every 15 simulated minutes, ``referrals.actions`` (refer,
claim, answer, flag overdue) and ``reports.surveys.do_answer_survey`` with the token read
from the survey email, as a customer would. Every action gets the simulated ``now``; the
wall clock is never read. So the ledger, the journeys, the holdings and the dashboards are
exactly what production would have written.

The API (used by ``manage.py simulate``, ``manage.py seed_demo`` and the report tests)::

    from reports.simulation import simulate

    result = simulate(start, days, *, seed, calls_per_day=30, progress=False, until=None)
    result.cast["dumper"]    # habit name -> user: "dumper", "late_releaser",
                             # "timeout_sitter", "ping_pong", "manager"
    result.summary["passes"] # counts: opened, resolved_on_the_call, claims, releases,
                             # late_releases, assignments, passes, quick_passes, transfers,
                             # transfers_back, escalations, breaches, resolved, notes,
                             # referrals_asked, referrals_answered, survey_answers,
                             # late_survey_answers, timed_out_twice, passed_twice, ...
    result.start, result.end # aware UTC instants: the simulated window
    result.examples["timed_out_twice"]  # ticket ids of each rare shape (see SimulationResult)

- ``start`` is an aware datetime; the run covers ``days`` calendar days in the
  organisation's zone (``settings.TIERDESK_TIME_ZONE``), stopping at ``until`` if earlier.
- Deterministic: the same ``seed`` on the same starting database writes the same ledger
  (one ``random.Random(seed)``, stable orderings everywhere). Ticket ids and survey tokens
  may differ; the kinds, instants and people of every handoff do not.
- It plays the departments, tiers and memberships already there (``seed_demo``'s
  organisation or ``tests.factories.build_organisation()``), adds simulated customers
  (external reference ``SIM-…``) and, where a tier has too few people to play every habit
  beside ordinary colleagues, a few simulated agents (``sim-dana``, ``sim-mara``, …; and a
  ``sim-manager`` if there is no manager). It needs a front-line department with two tiers.
- ``calls_per_day`` is the volume of an average weekday: calls come mostly 08:00-20:00 local
  with a late-morning peak, fewer at weekends, a trickle at night; about 15 % are resolved
  on the call.
- One transaction; the emails it queued are recorded as sent, never delivered.

Who does what is described in ``reports.simulation.behaviour``; who plays which habit is
chosen in ``reports.simulation.cast``; when calls come in, in ``reports.simulation.calls``;
the event loop is ``reports.simulation.engine``.
"""

from reports.simulation.cast import HABITS, SimulationError
from reports.simulation.runner import (
    DEFAULT_CALLS_PER_DAY,
    SimulationResult,
    format_summary,
    has_simulated_history,
    simulate,
)

__all__ = [
    "DEFAULT_CALLS_PER_DAY",
    "HABITS",
    "SimulationError",
    "SimulationResult",
    "format_summary",
    "has_simulated_history",
    "simulate",
]
