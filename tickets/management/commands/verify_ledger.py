"""Recompute every ticket's hash chain and report the first broken link of each.

    python manage.py verify_ledger [--batch-size 5000] [--against-seal]

Exit status 0 when every chain (and, with ``--against-seal``, the latest seal) checks out,
1 otherwise. Reads the ledger in keyset batches, so memory does not grow with it.
"""

from django.core.management.base import BaseCommand, CommandError

from tickets.ledger import Verification, seal_figures, verify_chains
from tickets.models import LedgerSeal


class Command(BaseCommand):
    help = "Recompute the handoff ledger's hash chains; exit non-zero if any link is broken."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=5000, help="entries read per query")
        parser.add_argument(
            "--against-seal", action="store_true",
            help="also recompute the latest daily seal from the entries it covers and compare",
        )

    def handle(self, *args, batch_size, against_seal, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be positive")
        verification = Verification()
        for link in verify_chains(batch_size=batch_size, verification=verification):
            self.stdout.write(self.style.ERROR(f"broken: {link}"))
        problems = len(verification.broken)
        self.stdout.write(
            f"checked {verification.entries} entries of {verification.tickets} tickets"
            f" ({verification.hashed} hashed; entries from before the chain have none)"
        )
        if against_seal:
            problems += self.check_seal()
        if problems:
            raise CommandError(f"the ledger does not verify: {problems} problem(s)")
        self.stdout.write(self.style.SUCCESS("ledger intact"))

    def check_seal(self) -> int:
        seal = LedgerSeal.objects.order_by("-day").first()
        if seal is None:
            self.stdout.write("no seal yet: nothing to compare")
            return 0
        now = seal_figures(seal.last_handoff_id)
        sealed = (seal.digest, seal.tickets, seal.handoffs)
        if (now.digest, now.tickets, now.handoffs) == sealed:
            self.stdout.write(f"seal of {seal.day} matches: {seal.digest}")
            return 0
        self.stdout.write(self.style.ERROR(
            f"seal of {seal.day} does not match: sealed {seal.digest} ({seal.tickets} tickets,"
            f" {seal.handoffs} entries), recomputed {now.digest} ({now.tickets} tickets,"
            f" {now.handoffs} entries) over the entries up to {seal.last_handoff_id}"
        ))
        return 1
