"""Reading the handoff ledger back: replaying a ticket's handoffs gives its state."""

from dataclasses import dataclass

from tickets.models import Handoff, HandoffKind, Status, Ticket


@dataclass(frozen=True)
class LedgerState:
    owner_id: int | None
    tier_id: int
    department_id: int
    status: str
    breached: bool


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
        state = LedgerState(
            owner_id=h.to_owner_id,
            tier_id=h.to_tier_id,
            department_id=h.to_department_id,
            status=Status.RESOLVED if h.kind == HandoffKind.RESOLVED else Status.OPEN,
            breached=breached,
        )
    return state


def current_state(ticket: Ticket) -> LedgerState:
    return LedgerState(
        owner_id=ticket.owner_id,
        tier_id=ticket.tier_id,
        department_id=ticket.department_id,
        status=ticket.status,
        breached=ticket.breached,
    )
