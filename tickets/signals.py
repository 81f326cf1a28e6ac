"""Signals that let apps above ``tickets`` react to its changes without being imported by it.

Receivers run inside the action's transaction: anything they write commits or rolls back
with the change itself (queue emails through ``tickets.outbox``, never send directly).
"""

from django.dispatch import Signal

# Sent with ``ticket`` (the resolved Ticket, still locked) and ``actor``.
ticket_resolved = Signal()
