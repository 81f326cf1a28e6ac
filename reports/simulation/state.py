"""What the simulation knows about a ticket, next to what the database knows."""

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from tickets.models import Status


class State(NamedTuple):
    """A ticket as the database has it now."""

    owner_id: int | None
    tier_id: int
    department_id: int
    status: str
    due_at: datetime
    breached: bool

    @property
    def is_open(self) -> bool:
        return self.status == Status.OPEN


@dataclass
class Memo:
    """What the simulation remembers about a ticket it opened (the database has the rest)."""

    customer_id: int
    category_slug: str | None
    received_at: datetime  # when its current owner got it (for "quick" passes)
    journey: str = ""  # a scripted journey (see Behaviour), "" for none
    stage: int = 0
    opener_id: int | None = None
    send_back: bool = False  # the department it is transferred to sends it back
    sent_from: int | None = None  # the department that transferred it, while away
    ping_pong: bool = False
    referred: bool = False
    easy: bool = False  # the next tier solves it in minutes: a bounce for the passer
    late_receipt: bool = False  # claimed in the last hour after a late release
    paused: bool = False  # waiting on the customer: its clock is stopped


@dataclass(frozen=True)
class Resolution:
    at: datetime
    ticket_id: int
    customer_id: int
    category_id: int | None
