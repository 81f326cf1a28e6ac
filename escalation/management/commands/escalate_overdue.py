from django.core.management.base import BaseCommand

from escalation.sweep import escalate_overdue


class Command(BaseCommand):
    help = "Run one sweep (escalate_overdue) now and say what it did."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=None, help="Tickets locked per transaction.")

    def handle(self, *args, batch_size=None, **options):
        result = escalate_overdue(batch_size=batch_size)
        self.stdout.write(str(result))
