"""Customers, their tickets, notes on them and the handoff ledger.

Nothing here changes a ticket: ``tickets.actions`` does, and records a Handoff each time.
"""

import re

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import display
from core.http import row_id
from departments.models import Category, Department, Tier

__all__ = [
    "NOT_A_CHANGE_OF_HANDS",
    "PAUSE_KINDS",
    "Category",
    "Channel",
    "Customer",
    "Handoff",
    "HandoffKind",
    "Holding",
    "LedgerSeal",
    "Note",
    "Priority",
    "Status",
    "Ticket",
    "format_reference",
    "parse_reference",
]

REFERENCE_PREFIX = "T-"
_REFERENCE_RE = re.compile(r"^\s*(?:T-?)?0*(\d{1,18})\s*$", re.IGNORECASE)


def format_reference(ticket_id: int) -> str:
    return f"{REFERENCE_PREFIX}{ticket_id:06d}"


def parse_reference(reference: str) -> int | None:
    """Return the ticket id in a reference such as ``T-000123`` (or ``123``), else None."""
    match = _REFERENCE_RE.match(str(reference))
    if not match:
        return None
    return row_id(int(match.group(1)))


class Customer(models.Model):
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    external_reference = models.CharField(
        _("external reference"), max_length=100, blank=True,
        help_text=_("The customer's number in the shop or order system."),
    )
    # Survey emails and the survey page speak it; the log-a-call form sets it.
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        indexes = [models.Index(fields=["phone"]), models.Index(fields=["email"])]

    def __str__(self):
        return self.name


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("Email")
    WEB = "web", _("Web")
    CHAT = "chat", _("Chat")
    IN_PERSON = "in_person", _("In person")


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class Status(models.TextChoices):
    OPEN = "open", _("Open")
    RESOLVED = "resolved", _("Resolved")


class Ticket(models.Model):
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("what the customer told us"), blank=True)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("customer"))
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, default=Channel.PHONE)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="tickets", null=True, blank=True, verbose_name=_("category")
    )
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL)

    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("department"))
    tier = models.ForeignKey(Tier, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("tier"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_tickets", null=True, blank=True, verbose_name=_("owner")
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)

    opened_at = models.DateTimeField(_("opened"))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True, verbose_name=_("opened by")
    )
    tier_entered_at = models.DateTimeField(_("entered tier"))
    due_at = models.DateTimeField(_("due"))
    owned_since = models.DateTimeField(
        _("owned since"), null=True, blank=True,
        help_text=_(
            "When the current owner received the ticket (the time of the entry that made them"
            " its owner). Empty while nobody owns it."
        ),
    )
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True, verbose_name=_("resolved by")
    )
    resolution = models.TextField(_("resolution"), blank=True)
    resolved_on_first_call = models.BooleanField(_("resolved on the call"), default=False)
    breached = models.BooleanField(_("breached"), default=False)
    breached_at = models.DateTimeField(_("breached at"), null=True, blank=True)
    previous_ticket = models.ForeignKey(
        "self", on_delete=models.PROTECT, related_name="follow_ups", null=True, blank=True,
        verbose_name=_("earlier ticket"),
    )
    # The ticket's journey so far, folded from its ledger by the actions in the same
    # transaction as each handoff they write, so the monthly reports read one row per ticket
    # instead of re-walking the ledger on every view. Replaying the handoffs gives the same
    # values (tests/tickets/test_journey.py). The database defaults are those of a ticket
    # that has just been opened, for rows inserted by other means (benchmarks, fixtures).
    handoff_count = models.PositiveIntegerField(
        _("handoffs"), default=0, db_default=0,
        help_text=_(
            "Changes of hands so far: every ledger entry but the opening, a breach, the"
            " resolution and the pauses."
        ),
    )
    tiers_visited = models.PositiveIntegerField(
        _("tiers visited"), default=1, db_default=1,
        help_text=_("Distinct tiers the ticket has entered, counting the one it was opened at."),
    )
    last_handoff_at = models.DateTimeField(
        _("last handoff"), null=True, blank=True,
        help_text=_("When the ticket's latest ledger entry was written (its 'at')."),
    )
    # Waiting on the customer (tickets.actions.pause): the tier's clock is stopped. Set and
    # cleared only with a PAUSED / RESUMED / PAUSE_EXPIRED handoff; the sweep skips it.
    paused_at = models.DateTimeField(
        _("waiting on the customer since"), null=True, blank=True,
        help_text=_("Empty unless the owner is waiting on the customer: the tier's clock is stopped."),
    )
    # Database defaults, like the journey's, for rows inserted by other means (benchmarks).
    pause_reason = models.TextField(
        _("what we asked the customer for"), blank=True, default="", db_default="",
        help_text=_("Why the ticket waits on the customer (kept until the next pause)."),
    )
    pause_time_left = models.DurationField(
        _("working time left when paused"), null=True, blank=True,
        help_text=_("The working time that was left at the tier when the clock stopped; resuming gives it back."),
    )
    pause_expires_at = models.DateTimeField(
        _("pause limit"), null=True, blank=True,
        help_text=_("When the pause ends by itself if the customer has not answered (the limit in force when paused)."),
    )

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        indexes = [
            # The sweep's only question: which open, unbreached tickets are due? In its
            # order (due_at, id), so no other index on due_at serves it better.
            models.Index(
                fields=["due_at", "id"], name="ticket_due_open_idx",
                condition=models.Q(status="open", breached=False, paused_at__isnull=True),
            ),
            # The pause limit's only question: which pauses have run past their limit?
            models.Index(
                fields=["pause_expires_at"], name="ticket_pause_expiry_idx",
                condition=models.Q(status="open", paused_at__isnull=False),
            ),
            # The lists of open tickets, most urgent first, each read a page at a time from
            # an index that already holds the order (docs/scaling.md): everything open (the
            # managers' list), per department, per tier, a tier's queue, a person's own.
            models.Index(
                fields=["due_at", "id"], name="ticket_open_due_idx", condition=models.Q(status="open")
            ),
            models.Index(
                fields=["department", "due_at", "id"], name="ticket_open_dept_due_idx",
                condition=models.Q(status="open"),
            ),
            # Who holds it and whether its clock runs ride along (INCLUDE, PostgreSQL), so a
            # tier's held tickets and one person's are counted from the index alone.
            models.Index(
                fields=["tier", "due_at", "id"], name="ticket_open_tier_due_idx",
                include=["owner", "paused_at"], condition=models.Q(status="open"),
            ),
            models.Index(
                fields=["tier", "due_at", "id"], name="ticket_queue_due_idx",
                condition=models.Q(status="open", owner__isnull=True),
            ),
            models.Index(
                fields=["owner", "due_at", "id"], name="ticket_open_owner_due_idx",
                include=["paused_at"], condition=models.Q(status="open"),
            ),
            # The API's list, newest first or most urgent first, of every ticket and of the
            # open ones.
            models.Index(fields=["opened_at", "id"], name="ticket_opened_idx"),
            models.Index(fields=["due_at", "id"], name="ticket_due_idx"),
            models.Index(
                fields=["opened_at", "id"], name="ticket_open_opened_idx",
                condition=models.Q(status="open"),
            ),
            models.Index(fields=["tier", "owner", "status"], name="ticket_queue_idx"),
            models.Index(fields=["owner", "status"], name="ticket_owner_idx"),
            models.Index(fields=["department", "status"], name="ticket_department_idx"),
            models.Index(fields=["resolved_at"], name="ticket_resolved_at_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                name="ticket_resolved_has_resolution",
                condition=(
                    models.Q(status="open", resolved_at__isnull=True)
                    | models.Q(status="resolved", resolved_at__isnull=False)
                ),
            ),
            models.CheckConstraint(
                name="ticket_due_after_entry", condition=models.Q(due_at__gt=models.F("tier_entered_at"))
            ),
        ]

    def __str__(self):
        return f"{self.reference} {self.subject}"

    @property
    def reference(self) -> str:
        return format_reference(self.pk) if self.pk else ""

    @property
    def priority_label(self) -> str:
        """The priority in the reader's language (an enum lookup: a queue shows fifty)."""
        return str(Priority(self.priority).label)

    @property
    def is_open(self) -> bool:
        return self.status == Status.OPEN

    @property
    def is_paused(self) -> bool:
        return self.paused_at is not None

    @property
    def is_resolved(self) -> bool:
        return self.status == Status.RESOLVED

    def is_overdue(self, now=None) -> bool:
        return self.is_open and not self.is_paused and self.due_at <= (now or timezone.now())


class Note(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="notes", verbose_name=_("ticket"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("author"))
    body = models.TextField(_("note"))
    internal = models.BooleanField(
        _("internal"), default=True, help_text=_("Internal notes are never shown to the customer.")
    )
    is_customer_answer = models.BooleanField(
        _("the customer's answer"), default=False, db_default=False,
        help_text=_("Records what the customer answered; on a ticket waiting on the customer it restarts the clock."),
    )
    created_at = models.DateTimeField(_("written"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("note")
        verbose_name_plural = _("notes")

    def __str__(self):
        return _("Note on %(ref)s by %(author)s") % {"ref": self.ticket.reference, "author": self.author}


class HandoffKind(models.TextChoices):
    OPENED = "opened", _("Opened")
    CLAIMED = "claimed", _("Claimed")
    RELEASED = "released", _("Released")
    ASSIGNED = "assigned", _("Assigned")
    PASSED = "passed", _("Passed up")
    ESCALATED = "escalated", _("Escalated")
    BREACHED = "breached", _("Breached")
    TRANSFERRED = "transferred", _("Transferred")
    RESOLVED = "resolved", _("Resolved")
    PAUSED = "paused", _("Waiting on the customer")
    RESUMED = "resumed", _("Resumed")
    PAUSE_EXPIRED = "pause_expired", _("Pause limit passed")


# The entries that stop and restart a tier's clock while the owner waits on the customer.
PAUSE_KINDS = frozenset({HandoffKind.PAUSED, HandoffKind.RESUMED, HandoffKind.PAUSE_EXPIRED})
# Ledger entries that are not a change of hands: the opening, the resolution, a breach mark
# and the pauses. Everything else (claim, release, assignment, pass, escalation, transfer)
# counts in Ticket.handoff_count.
NOT_A_CHANGE_OF_HANDS = frozenset({HandoffKind.OPENED, HandoffKind.RESOLVED, HandoffKind.BREACHED, *PAUSE_KINDS})


class Handoff(models.Model):
    """One change of a ticket's owner, tier, department or status: the append-only ledger.

    Each row carries the whole state after the change (``to_*``), so replaying a ticket's
    handoffs gives its current state. The database refuses UPDATE, DELETE and TRUNCATE.
    """

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="handoffs", verbose_name=_("ticket"))
    kind = models.CharField(_("kind"), max_length=20, choices=HandoffKind.choices)
    at = models.DateTimeField(_("at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True,
        help_text=_("Empty when the system acted (the escalation clock)."), verbose_name=_("actor")
    )
    from_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True, verbose_name=_("previous owner")
    )
    to_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True, verbose_name=_("new owner")
    )
    from_tier = models.ForeignKey(Tier, on_delete=models.PROTECT, related_name="+", null=True, blank=True, verbose_name=_("from tier"))
    to_tier = models.ForeignKey(Tier, on_delete=models.PROTECT, related_name="+", verbose_name=_("to tier"))
    from_department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="+", null=True, blank=True, verbose_name=_("from department")
    )
    to_department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+", verbose_name=_("to department"))
    note = models.TextField(_("note"), blank=True)
    sweep_lateness = models.DurationField(
        _("sweep lateness"), null=True, blank=True,
        help_text=_("For escalations and breaches: how long after the deadline the sweep ran."),
    )
    since_previous = models.DurationField(
        _("since previous entry"), null=True, blank=True,
        help_text=_(
            "Time since the ticket's previous ledger entry (how long the ticket had been where it"
            " was), written with the row. Empty for an opening, and for entries written before"
            " this column existed: readers fall back to the previous entry then."
        ),
    )
    # The facts of the moment, stored with the entry so that history never has to be
    # reconstructed from today's configuration. Empty on entries written before they existed.
    tier_time = models.DurationField(
        _("tier's time"), null=True, blank=True,
        help_text=_(
            "The resolve-within time in force for the tier whose clock was running when the"
            " entry was written (the tier before the move; for an opening, the tier entered)."
        ),
    )
    due_at = models.DateTimeField(
        _("due at the time"), null=True, blank=True,
        help_text=_(
            "The ticket's deadline at that tier when the entry was written (for an opening, the"
            " deadline it was given)."
        ),
    )
    held_for = models.DurationField(
        _("held for"), null=True, blank=True,
        help_text=_(
            "How long the previous owner had held the ticket this time (at minus their"
            " owned-since). Empty when nobody owned it before the move."
        ),
    )
    charged_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True,
        verbose_name=_("time-out charged to"),
        help_text=_(
            "Escalations and breaches only: the person the time-out is charged to"
            " (tickets.responsibility). Empty for an unowned time-out."
        ),
    )
    # The pause's facts: chained only when set, so entries written before they existed
    # keep their hashes (tickets.ledger.OPTIONAL_CHAIN_FIELDS).
    time_left = models.DurationField(
        _("working time left"), null=True, blank=True,
        help_text=_("Pauses only: the working time left at the tier when the clock stopped."),
    )
    paused_for = models.DurationField(
        _("paused for"), null=True, blank=True,
        help_text=_("Resumptions and expired pauses: how long (wall-clock) the clock was stopped."),
    )
    # The working-time rule in force, chained only when set like the pause's facts.
    off_shift = models.BooleanField(
        _("ran out off shift"), null=True, blank=True,
        help_text=_(
            "Escalations and breaches charged to someone: whether that person's shifts said the"
            " deadline was outside their working time. Empty otherwise."
        ),
    )
    working_hours = models.TextField(  # noqa: DJ001 (NULL: not chained, as for 24/7 and older entries)
        _("working hours in force"), null=True, blank=True,
        help_text=_(
            "The sweep's entries and those that start a tier's clock: the department's calendar"
            " then (name, zone, week, holidays' digest). Empty for 24/7."
        ),
    )
    # Tamper evidence (tickets.ledger): SHA-256 over this entry's content and the previous
    # entry's chain_hash for the same ticket. NULL (not "") on entries written before it
    # existed: a nullable column without a default is added without touching a row.
    chain_hash = models.CharField(  # noqa: DJ001
        _("chain hash"), max_length=64, null=True, blank=True, editable=False,
        help_text=_(
            "SHA-256 (hex) of the entry's content and the previous entry's hash for the same"
            " ticket; manage.py verify_ledger recomputes it."
        ),
    )

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("handoff")
        verbose_name_plural = _("handoffs")
        indexes = [
            models.Index(fields=["ticket", "at"], name="handoff_ticket_idx"),
            # The chain: a ticket's latest entry by id (tickets.ledger.chain_head), one probe.
            # Without it PostgreSQL answers "ORDER BY id DESC LIMIT 1" by walking the primary key.
            models.Index(fields=["ticket", "id"], name="handoff_chain_idx"),
            models.Index(fields=["kind", "at"], name="handoff_kind_at_idx"),
            models.Index(fields=["actor", "at"], name="handoff_actor_idx"),
            models.Index(fields=["from_owner", "at"], name="handoff_from_owner_idx"),
            # The few time-outs that ran out off shift, for the leads' notices (escalation.notices).
            models.Index(fields=["at"], condition=models.Q(off_shift=True), name="handoff_off_shift_idx"),
        ]

    def __str__(self):
        return _("%(kind)s of ticket %(ticket)s at %(at)s") % {
            "kind": self.get_kind_display(), "ticket": self.ticket_id, "at": display.when(self.at)
        }


class LedgerSeal(models.Model):
    """The day's seal of the ledger: one hash over every ticket's chain head, with counts.

    Written once a day (``tickets.seal_ledger``) and emailed to the managers, so a copy lives
    outside the database; append-only like the ledger. ``verify_ledger --against-seal``
    recomputes it from the entries up to ``last_handoff_id``.
    """

    day = models.DateField(_("day"), unique=True, help_text=_("The organisation's calendar day sealed."))
    sealed_at = models.DateTimeField(_("sealed at"))
    last_handoff_id = models.BigIntegerField(_("last entry covered"))
    tickets = models.PositiveIntegerField(_("tickets"))
    handoffs = models.PositiveIntegerField(_("hashed entries"))
    digest = models.CharField(_("digest"), max_length=64)

    class Meta:
        ordering = ["-day"]
        verbose_name = _("ledger seal")
        verbose_name_plural = _("ledger seals")

    def __str__(self):
        return _("Seal of %(day)s: %(digest)s") % {"day": display.day(self.day), "digest": self.digest[:16]}


class Holding(models.Model):
    """A person's holding of a ticket at a tier: when the ledger first gave it to them there.

    One row per (ticket, owner, tier), written by the actions with the first handoff that
    gives the ticket to that person at that tier (opening it themselves, a claim, an
    assignment), never changed afterwards. The monthly "tickets held" figure counts these
    rows instead of de-duplicating the month's ledger entries; the ledger stays the record.
    """

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="holdings", verbose_name=_("ticket"))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("owner"))
    tier = models.ForeignKey(Tier, on_delete=models.PROTECT, related_name="+", verbose_name=_("tier"))
    first_received_at = models.DateTimeField(_("first received"))

    class Meta:
        verbose_name = _("holding")
        verbose_name_plural = _("holdings")
        constraints = [
            models.UniqueConstraint(fields=["ticket", "owner", "tier"], name="holding_once_per_tier"),
        ]
        indexes = [models.Index(fields=["first_received_at"], name="holding_first_received_idx")]

    def __str__(self):
        return _("Ticket %(ticket)s held by user %(owner)s at tier %(tier)s") % {
            "ticket": self.ticket_id, "owner": self.owner_id, "tier": self.tier_id
        }
