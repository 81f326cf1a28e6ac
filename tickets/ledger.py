"""Reading the handoff ledger back: replaying a ticket's handoffs gives its state.

And its tamper evidence: each entry's ``chain_hash`` is SHA-256 over a canonical
serialisation of its content and the previous entry's hash for the same ticket
(``chain_hash`` in Python, ``chain_hash_sql`` in PostgreSQL: byte-identical),
``verify_chains`` recomputes every chain, and ``do_seal_ledger`` writes the daily seal.
"""

import hashlib
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Max, Min
from django.utils import timezone

from tickets.models import Handoff, HandoffKind, LedgerSeal, Status, Ticket


@dataclass(frozen=True)
class LedgerState:
    owner_id: int | None
    tier_id: int
    department_id: int
    status: str
    breached: bool
    # Waiting on the customer: between a PAUSED entry and its RESUMED or PAUSE_EXPIRED.
    paused: bool = False


class BrokenLedger(Exception):
    """The handoffs do not chain: a change happened without its handoff."""


def replay(handoffs: list[Handoff]) -> LedgerState | None:
    """Fold a ticket's handoffs (oldest first) into the state they describe.

    Each handoff must start where the previous one ended; otherwise BrokenLedger.
    """
    state = None
    # Ids, not timestamps: the ticket's row lock serialises its handoffs, so insertion
    # order is the order of the changes even if a caller passed an earlier ``now``.
    for h in sorted(handoffs, key=lambda h: h.pk):
        if state is None:
            if h.kind != HandoffKind.OPENED:
                raise BrokenLedger(f"handoff {h.pk} comes before any 'opened'")
        else:
            if state.status == Status.RESOLVED:
                raise BrokenLedger(f"handoff {h.pk} follows the resolution")
            if (h.from_owner_id, h.from_tier_id, h.from_department_id) != (
                state.owner_id, state.tier_id, state.department_id
            ):
                raise BrokenLedger(f"handoff {h.pk} does not start where the previous one ended")
        breached = (state.breached if state else False)
        if h.kind == HandoffKind.BREACHED:
            breached = True
        elif h.kind == HandoffKind.TRANSFERRED:
            breached = False
        paused = _paused_after(h, state.paused if state else False)
        state = LedgerState(
            owner_id=h.to_owner_id,
            tier_id=h.to_tier_id,
            department_id=h.to_department_id,
            status=Status.RESOLVED if h.kind == HandoffKind.RESOLVED else Status.OPEN,
            breached=breached,
            paused=paused,
        )
    return state


def _paused_after(h: Handoff, paused: bool) -> bool:
    """Whether the ticket waits on the customer after ``h``; a pause opens and closes in turn,
    and nothing else happens to a paused ticket but notes (which are not entries)."""
    if h.kind == HandoffKind.PAUSED:
        if paused:
            raise BrokenLedger(f"handoff {h.pk} pauses a ticket already paused")
        return True
    if h.kind in (HandoffKind.RESUMED, HandoffKind.PAUSE_EXPIRED):
        if not paused:
            raise BrokenLedger(f"handoff {h.pk} resumes a ticket that was not paused")
        return False
    if paused:
        raise BrokenLedger(f"handoff {h.pk} moves a paused ticket")
    return False


def current_state(ticket: Ticket) -> LedgerState:
    return LedgerState(
        owner_id=ticket.owner_id,
        tier_id=ticket.tier_id,
        department_id=ticket.department_id,
        status=ticket.status,
        breached=ticket.breached,
        paused=ticket.paused_at is not None,
    )


# --- the hash chain -------------------------------------------------------------------------

CHAIN_VERSION = "tierdesk-ledger-v1"
# The previous hash of a ticket's first hashed entry.
GENESIS = "0" * 64
# What an entry says happened, in serialisation order, each with its canonical form:
# "id" an integer in decimal, "text" the hex SHA-256 of its UTF-8 (so it can hold any
# character, the separator included), "instant" microseconds since the Unix epoch,
# "duration" microseconds; an empty value (NULL) is the empty string. No field but ``kind``
# (a fixed choice) can contain the separator "|", so the joined form is unambiguous.
CHAIN_FIELDS: tuple[tuple[str, str], ...] = (
    ("ticket_id", "id"),
    ("kind", "plain"),
    ("at", "instant"),
    ("actor_id", "id"),
    ("from_owner_id", "id"),
    ("to_owner_id", "id"),
    ("from_tier_id", "id"),
    ("to_tier_id", "id"),
    ("from_department_id", "id"),
    ("to_department_id", "id"),
    ("note", "text"),
    ("sweep_lateness", "duration"),
    ("since_previous", "duration"),
    ("tier_time", "duration"),
    ("due_at", "instant"),
    ("held_for", "duration"),
    ("charged_to_id", "id"),
)
# Fields added after the chain began: each is serialised, as "name=value", only when it is
# set, so an entry without them (every entry written before they existed, and every entry
# of another kind) hashes exactly as it did. A name is in the serialisation, so an entry
# cannot pass one field off as another.
OPTIONAL_CHAIN_FIELDS: tuple[tuple[str, str], ...] = (
    ("time_left", "duration"),
    ("paused_for", "duration"),
    # The rule in force (the sweep's entries and those that start a tier's clock): "bool" is
    # 1 or 0, "text" the hex SHA-256 as above.
    ("off_shift", "bool"),
    ("working_hours", "text"),
)
CHAIN_FIELD_NAMES = tuple(name for name, _form in (*CHAIN_FIELDS, *OPTIONAL_CHAIN_FIELDS))
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def _canonical(value, form: str) -> str:
    if value is None:
        return ""
    if form == "instant":
        return str((value - _EPOCH) // _MICROSECOND)
    if form == "duration":
        return str(value // _MICROSECOND)
    if form == "text":
        return hashlib.sha256(value.encode("utf-8")).hexdigest()
    if form == "bool":
        return "1" if value else "0"
    return str(value)


def chain_hash(entry: Mapping[str, object], previous: str | None) -> str:
    """The chain hash of an entry (its ``CHAIN_FIELDS`` by name) after ``previous`` (None: genesis)."""
    parts = [CHAIN_VERSION, *(_canonical(entry[name], form) for name, form in CHAIN_FIELDS)]
    for name, form in OPTIONAL_CHAIN_FIELDS:
        value = entry.get(name)
        if value is not None:
            parts.append(f"{name}={_canonical(value, form)}")
    parts.append(previous or GENESIS)
    return hashlib.sha256("|".join(parts).encode("utf-8")).hexdigest()


def chain_hash_sql(columns: Mapping[str, str], previous: str) -> str:
    """The PostgreSQL expression of ``chain_hash`` over SQL ``columns`` (by field name).

    ``columns`` must name every ``CHAIN_FIELDS`` field; an ``OPTIONAL_CHAIN_FIELDS`` field it
    leaves out counts as NULL.

    Core PostgreSQL (11+) has ``sha256(bytea)``: no pgcrypto. ``extract(epoch ...)`` is
    numeric (exact) since PostgreSQL 14.
    """
    parts = [f"'{CHAIN_VERSION}'"]
    for name, form in CHAIN_FIELDS:
        expr = columns[name]
        if form in ("instant", "duration"):
            part = f"((extract(epoch FROM {expr}) * 1000000)::bigint)::text"
        elif form == "text":
            part = f"encode(sha256(convert_to({expr}, 'UTF8')), 'hex')"
        else:
            part = f"({expr})::text"
        parts.append(f"coalesce({part}, '')")
    for name, form in OPTIONAL_CHAIN_FIELDS:
        # concat_ws skips a NULL argument, separator and all: an unset field adds nothing.
        # A writer that never sets the field (the sweep, a pause's) leaves it out of ``columns``.
        expr = columns.get(name)
        if expr is None:
            continue
        if form == "duration":
            value = f"((extract(epoch FROM {expr}) * 1000000)::bigint)::text"
        elif form == "bool":
            value = f"(CASE WHEN {expr} THEN '1' WHEN NOT {expr} THEN '0' END)"
        else:
            assert form == "text"
            value = f"encode(sha256(convert_to({expr}, 'UTF8')), 'hex')"
        parts.append(f"('{name}=' || {value})")
    parts.append(f"coalesce({previous}, '{GENESIS}')")
    return f"encode(sha256(convert_to(concat_ws('|', {', '.join(parts)}), 'UTF8')), 'hex')"


def chain_head(ticket_id: int) -> str | None:
    """The hash of the ticket's latest entry (None: no hashed entry yet). Hold the ticket's lock."""
    return (
        Handoff.objects.filter(ticket_id=ticket_id).order_by("-id").values_list("chain_hash", flat=True).first()
    )


def chain_heads(ticket_ids: list[int]) -> dict[int, str | None]:
    """{ticket id: hash of its latest entry} in one query. Hold the tickets' locks."""
    latest = (
        Handoff.objects.filter(ticket_id__in=ticket_ids)
        .values("ticket_id")
        .annotate(last=Max("id"))
        .values("last")
    )
    return dict(Handoff.objects.filter(id__in=latest).values_list("ticket_id", "chain_hash"))


@dataclass(frozen=True)
class BrokenLink:
    ticket_id: int
    handoff_id: int
    reason: str

    def __str__(self):
        from tickets.models import format_reference

        return f"{format_reference(self.ticket_id)}: entry {self.handoff_id} {self.reason}"


@dataclass
class Verification:
    tickets: int = 0
    entries: int = 0
    hashed: int = 0
    broken: list[BrokenLink] = field(default_factory=list)


def verify_chains(*, batch_size: int = 5000, verification: Verification | None = None) -> Iterator[BrokenLink]:
    """Recompute every ticket's chain; yield the first broken link of each broken ticket.

    Reads the ledger in (ticket, id) order in keyset batches of ``batch_size``, holding one
    ticket's previous hash at a time: memory does not grow with the ledger. Entries written
    before the chain existed have no hash and are skipped; an entry without a hash written
    after the ledger's first hashed entry (a higher id), or after a hashed entry of its
    ticket, is a broken link (someone cleared it).
    """
    v = verification if verification is not None else Verification()
    first_hashed = Handoff.objects.filter(chain_hash__isnull=False).aggregate(first=Min("id"))["first"]
    current = None  # the ticket being walked
    previous = None  # its previous entry's hash
    hashed_seen = broken = False
    after = (0, 0)
    while True:
        # A row comparison, so that each batch is one range scan of handoff_chain_idx
        # (ticket, id); "ticket > t OR (ticket = t AND id > i)" would sort the rest each time.
        rows = list(
            Handoff.objects.extra(where=["(ticket_id, id) > (%s, %s)"], params=list(after))
            .order_by("ticket_id", "id")
            .values_list("id", "chain_hash", *CHAIN_FIELD_NAMES)[:batch_size]
        )
        for handoff_id, stored, *values in rows:
            entry = dict(zip(CHAIN_FIELD_NAMES, values, strict=True))
            ticket_id = entry["ticket_id"]
            if ticket_id != current:
                current, previous, hashed_seen, broken = ticket_id, None, False, False
                v.tickets += 1
            v.entries += 1
            if broken:
                continue
            if stored is None:
                if hashed_seen or (first_hashed is not None and handoff_id > first_hashed):
                    broken = True
                    link = BrokenLink(ticket_id, handoff_id, "has no hash, although it was written after the chain began")
                    v.broken.append(link)
                    yield link
                continue
            v.hashed += 1
            hashed_seen = True
            if chain_hash(entry, previous) != stored:
                broken = True
                link = BrokenLink(
                    ticket_id, handoff_id,
                    "does not match its hash: its content or its predecessor was changed"
                    f" ({entry['kind']} at {entry['at']:%Y-%m-%d %H:%M:%S})",
                )
                v.broken.append(link)
                yield link
                continue
            previous = stored
        if len(rows) < batch_size:
            return
        after = (rows[-1][2], rows[-1][0])


# --- the daily seal ---------------------------------------------------------------------------

SEAL_VERSION = "tierdesk-seal-v1"
# How long the seal waits for transactions that were writing when it read the ledger's end.
SETTLE_TIMEOUT_SECONDS = 60


@dataclass(frozen=True)
class SealFigures:
    last_handoff_id: int
    tickets: int
    handoffs: int
    digest: str


def seal_figures(last_handoff_id: int) -> SealFigures:
    """The hash over every ticket's chain head among the entries up to ``last_handoff_id``.

    Heads in ticket order, streamed (one row per ticket, never all at once), then the counts.
    """
    scope = Handoff.objects.filter(chain_hash__isnull=False, id__lte=last_handoff_id)
    heads = (
        Handoff.objects.filter(id__in=scope.values("ticket_id").annotate(last=Max("id")).values("last"))
        .order_by("ticket_id")
        .values_list("ticket_id", "chain_hash")
    )
    digest = hashlib.sha256(f"{SEAL_VERSION}\n".encode())
    tickets = 0
    with transaction.atomic():  # a streaming cursor on PostgreSQL, not one held past commit
        for ticket_id, head in heads.iterator(chunk_size=5000):
            digest.update(f"{ticket_id}:{head}\n".encode())
            tickets += 1
        handoffs = scope.count()
    digest.update(f"tickets={tickets}\nhandoffs={handoffs}\nupto={last_handoff_id}\n".encode())
    return SealFigures(last_handoff_id, tickets, handoffs, digest.hexdigest())


def settled_end_of_ledger(timeout: float = SETTLE_TIMEOUT_SECONDS) -> int:
    """The ledger's highest entry id, once every entry up to it is committed (or never will be).

    Ids are taken before commit, so an entry below the highest visible one may still be in
    flight. Every writer holds a transaction id before it takes one (it locked or inserted
    the ticket first), so on PostgreSQL it is enough to wait for the transactions of this
    database that were writing when the id was read. SQLite has one writer at a time.
    """
    end = Handoff.objects.aggregate(end=Max("id"))["end"] or 0
    if connection.vendor != "postgresql":
        return end
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT pid, xact_start FROM pg_stat_activity
               WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL"""
        )
        writers = cursor.fetchall()
        deadline = time.monotonic() + timeout
        while writers:
            cursor.execute(
                "SELECT pid, xact_start FROM pg_stat_activity WHERE pid = ANY(%s)", [[pid for pid, _s in writers]]
            )
            still = set(cursor.fetchall())
            writers = [w for w in writers if w in still]
            if not writers:
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(writers)} transaction(s) kept writing for {timeout:g} s")
            time.sleep(0.2)
    return end


def seal_day(now: datetime):
    return now.astimezone(ZoneInfo(settings.TIERDESK_TIME_ZONE)).date()


def do_seal_ledger(*, now: datetime | None = None) -> tuple[LedgerSeal, bool]:
    """Write today's seal (organisation's calendar) and email it to the managers, once a day.

    Returns the seal and whether this call wrote it. A second run the same day, or one
    racing this one, writes and sends nothing (one seal per day, a unique day).
    """
    from departments.mail import queue_staff_email
    from departments.queries import manager_emails

    now = now or timezone.now()
    day = seal_day(now)
    existing = LedgerSeal.objects.filter(day=day).first()
    if existing is not None:
        return existing, False
    figures = seal_figures(settled_end_of_ledger())
    with transaction.atomic():
        try:
            with transaction.atomic():
                seal = LedgerSeal.objects.create(
                    day=day, sealed_at=now, last_handoff_id=figures.last_handoff_id,
                    tickets=figures.tickets, handoffs=figures.handoffs, digest=figures.digest,
                )
        except IntegrityError:
            return LedgerSeal.objects.get(day=day), False
        queue_staff_email(
            "ledger_seal",
            manager_emails(),
            {
                "day": day, "now": now, "zone": settings.TIERDESK_TIME_ZONE, "digest": figures.digest,
                "tickets": figures.tickets, "handoffs": figures.handoffs,
                "last_handoff_id": figures.last_handoff_id,
            },
        )
    return seal, True
