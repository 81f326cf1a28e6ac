"""The sweep benchmark's databases and seed (bench/sweep.py): the organisation and N open tickets.

The seed is written with plain SQL in a few statements (each ticket with its ``opened``
handoff and that handoff's chain hash), once per run of the benchmark, into ``<name>_seed``;
every measured run works on a fresh ``CREATE DATABASE ... TEMPLATE`` copy of it.
"""

from datetime import UTC, datetime, timedelta

# The instant every run sweeps at: fixed, so that runs are comparable and repeatable.
SWEEP_AT = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
RESOLVE_WITHIN = timedelta(hours=20)
# One ticket in this many belongs to a department with a single tier: when due, it breaches.
BREACH_EVERY = 10

# Every column of a handoff that its chain hash covers (tickets.ledger.CHAIN_FIELDS).
HANDOFF_COLUMNS = (
    "ticket_id, kind, at, actor_id, from_owner_id, to_owner_id, from_tier_id, to_tier_id,"
    " from_department_id, to_department_id, note, sweep_lateness, since_previous, tier_time, due_at,"
    " held_for, charged_to_id, off_shift, working_hours"
)


def chain_sql(previous: str) -> str:
    """The chain hash of subquery ``c``'s row after ``previous``, as the sweep computes it."""
    from tickets.ledger import CHAIN_FIELDS, chain_hash_sql

    # A pause's optional fields are never set by an opening or the sweep: left out; the
    # working-time rule (off_shift, working_hours) is chained when set, as the sweep does.
    names = (*(name for name, _form in CHAIN_FIELDS), "off_shift", "working_hours")
    return chain_hash_sql({name: f"c.{name}" for name in names}, previous)



# --- databases ----------------------------------------------------------------------------


def admin_connection():
    """A psycopg2 connection to the server's maintenance database, in autocommit."""
    import psycopg2
    from django.db import connection

    db = connection.settings_dict
    conn = psycopg2.connect(
        dbname="postgres",
        user=db["USER"],
        password=db["PASSWORD"] or None,
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
    )
    conn.autocommit = True
    return conn


def recreate_database(name: str, *, template: str | None = None) -> None:
    from psycopg2 import sql

    conn = admin_connection()
    try:
        with conn.cursor() as cur:
            cur.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
            create = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
            if template:
                create = sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(name), sql.Identifier(template)
                )
            cur.execute(create)
    finally:
        conn.close()


def drop_database(name: str) -> None:
    from psycopg2 import sql

    conn = admin_connection()
    with conn.cursor() as cur:
        cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    conn.close()


def use_database(name: str) -> None:
    """Point Django's default connection at another database of the same server."""
    from django.db import connection

    connection.close()
    connection.settings_dict["NAME"] = name


# --- the seed ---------------------------------------------------------------------------


def build_seed(name: str, tickets: int, due_fraction: float, *, calendar: bool = False) -> dict:
    from django.core.management import call_command
    from django.db import connection

    recreate_database(name)
    use_database(name)
    call_command("migrate", verbosity=0)
    org = build_organisation(calendar=calendar)
    due_per_mille = round(due_fraction * 1000)
    with connection.cursor() as cur:
        # Tickets: every BREACH_EVERY-th in the single-tier department; the due ones are
        # spread over the whole id range (g %% 1000 < due_per_mille), not clustered.
        cur.execute(
            """
            INSERT INTO tickets_ticket (
                subject, description, customer_id, channel, category_id, priority,
                department_id, tier_id, owner_id, status, opened_at, opened_by_id,
                tier_entered_at, due_at, resolved_at, resolved_by_id, resolution,
                resolved_on_first_call, breached, breached_at, previous_ticket_id, owned_since
            )
            SELECT 'Bench ticket ' || g, '', %(customer)s, 'phone', NULL, 'normal',
                   x.department_id, x.tier_id, x.owner_id, 'open', x.opened_at, x.owner_id,
                   x.opened_at, x.opened_at + %(within)s, NULL, NULL, '', false, false, NULL, NULL,
                   x.opened_at
            FROM generate_series(1, %(n)s) AS g
            CROSS JOIN LATERAL (
                SELECT
                    CASE WHEN g %% %(every)s = 0 THEN %(sales)s ELSE %(cs)s END AS department_id,
                    CASE WHEN g %% %(every)s = 0 THEN %(sales_t1)s ELSE %(t1)s END AS tier_id,
                    CASE WHEN g %% %(every)s = 0 THEN %(sales_agent)s
                         ELSE (%(agents)s::bigint[])[1 + g %% %(n_agents)s] END AS owner_id,
                    CASE WHEN g %% 1000 < %(due_per_mille)s
                         THEN %(now)s - %(within)s - make_interval(secs => 1 + g %% 3600)
                         ELSE %(now)s - %(within)s + make_interval(secs => 1 + g %% 3600)
                    END AS opened_at
            ) AS x
            """,
            {
                "n": tickets,
                "every": BREACH_EVERY,
                "customer": org["customer"],
                "cs": org["cs"],
                "t1": org["t1"],
                "sales": org["sales"],
                "sales_t1": org["sales_t1"],
                "sales_agent": org["sales_agent"],
                "agents": org["agents"],
                "n_agents": len(org["agents"]),
                "due_per_mille": due_per_mille,
                "now": SWEEP_AT,
                "within": RESOLVE_WITHIN,
            },
        )
        # Each opening starts its ticket's hash chain, as do_open_ticket's would.
        cur.execute(
            f"""
            INSERT INTO tickets_handoff ({HANDOFF_COLUMNS}, chain_hash)
            SELECT {HANDOFF_COLUMNS}, {chain_sql("NULL")}
            FROM (
                SELECT id AS ticket_id, 'opened'::varchar AS kind, opened_at AS at, opened_by_id AS actor_id,
                       NULL::bigint AS from_owner_id, owner_id AS to_owner_id, NULL::bigint AS from_tier_id,
                       tier_id AS to_tier_id, NULL::bigint AS from_department_id,
                       department_id AS to_department_id, ''::text AS note, NULL::interval AS sweep_lateness,
                       NULL::interval AS since_previous, %(within)s::interval AS tier_time, due_at,
                       NULL::interval AS held_for, NULL::bigint AS charged_to_id,
                       NULL::boolean AS off_shift, NULL::text AS working_hours
                FROM tickets_ticket
            ) AS c
            ORDER BY c.ticket_id
            """,
            {"within": RESOLVE_WITHIN},
        )
        cur.execute("ANALYZE")
        cur.execute(
            "SELECT count(*) FROM tickets_ticket WHERE status = 'open' AND NOT breached AND due_at <= %s",
            [SWEEP_AT],
        )
        due = cur.fetchone()[0]
    use_database("postgres")  # the template must have no open connection
    connection.close()
    return {"due": due}


def build_organisation(*, calendar: bool = False) -> dict:
    """Customer service (three tiers, a lead on each above the first) and a one-tier sales desk.

    ``calendar``: customer service works office hours with holidays (Europe/Zagreb), so every
    new deadline the sweep sets is counted in working time."""
    from django.contrib.auth import get_user_model

    from departments.models import Department, Membership, Tier
    from departments.roles import managers_group
    from tickets.models import Customer

    User = get_user_model()
    cs = Department.objects.create(slug="customer-service", name="Customer service")
    tiers = [
        Tier.objects.create(department=cs, level=level, name=name, resolve_within=RESOLVE_WITHIN)
        for level, name in ((1, "Front line"), (2, "Specialists"), (3, "Experts"))
    ]
    sales = Department.objects.create(slug="sales", name="Sales")
    sales_t1 = Tier.objects.create(
        department=sales, level=1, name="Sales desk", resolve_within=RESOLVE_WITHIN
    )

    def member(username: str, tier: Tier, *, lead: bool = False):
        user = User.objects.create(username=username, email=f"{username}@example.com")
        Membership.objects.create(user=user, department=tier.department, tier=tier, is_lead=lead)
        return user

    agents = [member(f"agent{i}", tiers[0]) for i in range(20)]
    member("lead2", tiers[1], lead=True)
    member("lead3", tiers[2], lead=True)
    sales_agent = member("seller", sales_t1)
    if calendar:
        from datetime import date

        from departments.models import Calendar, Holiday

        office = Calendar.objects.create(
            name="Office hours", time_zone="Europe/Zagreb",
            **{day: "08:00-12:00, 13:00-17:00" for day in ("monday", "tuesday", "wednesday", "thursday", "friday")},
        )
        Holiday.objects.create(calendar=office, date=date(2026, 12, 25), yearly=True, name="Christmas")
        Holiday.objects.create(calendar=office, date=date(2026, 11, 18), name="Remembrance Day")
        cs.calendar = office
        cs.save(update_fields=["calendar"])
    manager = User.objects.create(username="manager", email="manager@example.com")
    manager.groups.add(managers_group())
    customer = Customer.objects.create(name="Bench customer")
    return {
        "cs": cs.pk,
        "t1": tiers[0].pk,
        "sales": sales.pk,
        "sales_t1": sales_t1.pk,
        "agents": [a.pk for a in agents],
        "sales_agent": sales_agent.pk,
        "customer": customer.pk,
    }
