"""The email outbox: written in the transaction, sent after it, once, and retried until it goes."""

import socket
import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import connections, transaction
from django.urls import reverse

from outbox import actions as outbox
from outbox.models import OutboundEmail
from outbox.tasks import deliver_email, drain_outbox
from tests.escalation.live import publishing_to
from tests.factories import open_ticket
from tickets import actions

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def queued(n: int = 1, *, at: datetime = T0) -> list[OutboundEmail]:
    with time_machine.travel(at, tick=False):
        return [
            outbox.queue_email("test", [f"lead{i}@example.com"], f"Subject {i}", f"Body {i}")
            for i in range(n)
        ]


def closed_port() -> int:
    """A local port nothing listens on: connecting to it is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def unreachable_mail_server(settings):
    """A real SMTP backend pointed at a port where no server listens."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = closed_port()
    return settings


# --- queueing -------------------------------------------------------------------------------


def test_queued_email_is_written_now_and_handed_to_the_broker_only_after_commit(
    db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        email = outbox.queue_email(
            "assigned", ["b@example.com", "a@example.com", "a@example.com", ""], "Hi", "Body"
        )
    assert email.recipients == ["a@example.com", "b@example.com"]
    assert OutboundEmail.objects.get().sent_at is None
    assert len(callbacks) == 1
    assert mail.outbox == []


def test_email_without_recipients_is_not_queued(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        assert outbox.queue_email("assigned", ["", None], "Hi", "Body") is None
        assert (
            outbox.queue_emails([OutboundEmail(kind="x", recipients=[], subject="s", body="b")])
            == []
        )
    assert callbacks == []
    assert OutboundEmail.objects.count() == 0


def test_emails_queued_in_a_rolled_back_transaction_vanish(db, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        outbox.queue_email("assigned", ["a@example.com"], "Hi", "Body")
        raise RuntimeError("the action failed")
    assert callbacks == []
    assert OutboundEmail.objects.count() == 0


def test_long_subject_is_cut_to_the_column(db):
    email = outbox.queue_email("assigned", ["a@example.com"], "x" * 400, "Body")
    assert len(email.subject) == 250


# --- delivering -------------------------------------------------------------------------


def test_deliver_sends_once_even_if_called_twice(db):
    [email] = queued()

    assert outbox.deliver(email.pk) is True
    assert outbox.deliver(email.pk) is False

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["lead0@example.com"]
    email.refresh_from_db()
    assert email.sent_at is not None
    assert (email.attempts, email.last_error) == (1, "")


def test_deliver_of_an_unknown_email_sends_nothing(db):
    assert outbox.deliver(987654) is False
    assert mail.outbox == []


def test_the_deliver_task_runs_the_same_delivery(db):
    [email] = queued()

    assert deliver_email.apply(args=[email.pk]).get() is True
    assert deliver_email.apply(args=[email.pk]).get() is False
    assert len(mail.outbox) == 1


def test_failing_mail_server_counts_an_attempt_and_leaves_the_email_pending(
    db, unreachable_mail_server
):
    [email] = queued()

    assert outbox.deliver(email.pk) is False

    email.refresh_from_db()
    assert email.sent_at is None
    assert email.attempts == 1
    assert email.last_attempt_at is not None
    assert email.last_error  # the connection error, for whoever looks at the row


def test_email_that_failed_is_sent_once_the_mail_server_is_back(
    db, settings, unreachable_mail_server
):
    [email] = queued()
    outbox.deliver(email.pk)
    outbox.deliver(email.pk)

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert outbox.drain(retry_after=timedelta(0)) == 1

    email.refresh_from_db()
    assert (email.attempts, email.last_error) == (3, "")
    assert email.sent_at is not None
    assert len(mail.outbox) == 1


# --- the periodic drain -----------------------------------------------------------------


def test_drain_skips_fresh_emails_and_delivers_old_ones(db):
    [old] = queued(at=T0)
    [fresh] = queued(at=T0 + timedelta(seconds=50))

    sent = outbox.drain(now=T0 + timedelta(seconds=60), retry_after=timedelta(seconds=20))

    assert sent == 1
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert old.sent_at is not None
    assert fresh.sent_at is None
    assert [m.to for m in mail.outbox] == [["lead0@example.com"]]


def test_drain_uses_the_configured_retry_delay_by_default(db, settings):
    settings.OUTBOX_RETRY_AFTER = timedelta(seconds=30)
    queued(at=T0)

    assert outbox.drain(now=T0 + timedelta(seconds=29)) == 0
    assert outbox.drain(now=T0 + timedelta(seconds=30)) == 1


def test_drain_task_delivers_what_is_pending(db, settings):
    settings.OUTBOX_RETRY_AFTER = timedelta(0)
    queued(3)

    assert drain_outbox.apply().get() == 3
    assert len(mail.outbox) == 3


def test_drain_backs_off_from_an_email_that_keeps_failing(db, unreachable_mail_server):
    retry_after = timedelta(seconds=20)
    [email] = queued(at=T0)

    def drain_at(offset: timedelta) -> None:
        with time_machine.travel(T0 + offset, tick=False):
            outbox.drain(retry_after=retry_after)

    def attempts() -> int:
        email.refresh_from_db()
        return email.attempts

    drain_at(timedelta(seconds=20))  # first try
    assert attempts() == 1
    drain_at(timedelta(seconds=39))  # 19 s after the failure: too soon
    assert attempts() == 1
    drain_at(timedelta(seconds=40))  # 20 s after: second try
    assert attempts() == 2
    drain_at(timedelta(seconds=79))  # the wait doubles to 40 s
    assert attempts() == 2
    drain_at(timedelta(seconds=80))
    assert attempts() == 3


def test_retry_delay_doubles_and_is_capped_at_an_hour():
    step = timedelta(seconds=20)
    assert [outbox.retry_delay(n, step).total_seconds() for n in range(5)] == [20, 20, 40, 80, 160]
    assert outbox.retry_delay(15, step) == timedelta(hours=1)
    assert outbox.retry_delay(3, timedelta(0)) == timedelta(0)


def test_drain_gives_up_after_the_maximum_number_of_attempts(db, settings, unreachable_mail_server):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    [email] = queued()
    for _ in range(5):
        outbox.drain(retry_after=timedelta(0))

    email.refresh_from_db()
    assert (email.attempts, email.sent_at) == (3, None)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert outbox.drain(retry_after=timedelta(0)) == 0
    assert mail.outbox == []


# --- the broker -----------------------------------------------------------------------------


def test_dispatch_with_the_broker_unreachable_returns_at_once_and_leaves_rows_pending(db):
    emails = queued(3)

    with publishing_to(f"redis://127.0.0.1:{closed_port()}/0"):
        assert outbox.dispatch([e.pk for e in emails]) == 0

    assert OutboundEmail.objects.filter(sent_at__isnull=True).count() == 3
    assert mail.outbox == []


def test_dispatch_hands_every_email_to_a_reachable_broker(db):
    emails = queued(2)
    # The tests' Redis database: no worker consumes it here, the rows stay for the drain.
    assert outbox.dispatch([e.pk for e in emails]) == 2


# --- concurrency ----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(60)
def test_email_locked_by_another_delivery_is_skipped_not_sent_twice():
    [email] = queued()
    locked = threading.Event()
    release = threading.Event()

    def other_worker():
        try:
            with transaction.atomic():
                OutboundEmail.objects.select_for_update().get(pk=email.pk)
                locked.set()
                release.wait(timeout=30)
        finally:
            connections.close_all()

    thread = threading.Thread(target=other_worker)
    thread.start()
    try:
        assert locked.wait(timeout=30)
        assert outbox.deliver(email.pk) is False
        assert mail.outbox == []
    finally:
        release.set()
        thread.join(timeout=30)

    assert outbox.deliver(email.pk) is True
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(60)
def test_concurrent_drains_send_every_email_exactly_once():
    emails = queued(60)
    barrier = threading.Barrier(4, timeout=30)
    sent: list[int] = []

    def drain():
        try:
            barrier.wait()
            sent.append(outbox.drain(now=T0 + timedelta(hours=1), retry_after=timedelta(0)))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=drain) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=50)

    assert sum(sent) == 60
    assert sorted(m.to[0] for m in mail.outbox) == sorted(e.recipients[0] for e in emails)
    assert OutboundEmail.objects.filter(sent_at__isnull=True).count() == 0
    assert set(OutboundEmail.objects.values_list("attempts", flat=True)) == {1}


# --- header values and secrets ------------------------------------------------------------


def test_a_subject_with_a_line_break_is_queued_on_one_line_and_sent(db):
    email = outbox.queue_email(
        "passed_up", ["lead@example.com"], "T-000001 is waiting: Kettle\r\nBcc: x@evil.example", "Body"
    )

    assert email.subject == "T-000001 is waiting: Kettle Bcc: x@evil.example"
    assert outbox.deliver(email.pk) is True
    assert mail.outbox[0].subject == "T-000001 is waiting: Kettle Bcc: x@evil.example"
    assert mail.outbox[0].to == ["lead@example.com"]
    assert mail.outbox[0].bcc == []


def test_a_passed_up_ticket_with_a_line_break_in_its_subject_still_tells_the_leads(org):
    ticket = open_ticket(org.ana, subject="Kettle\r\nbroken")
    actions.do_pass_up(ticket, by=org.ana, note="Tried a reset, no luck.")
    email = OutboundEmail.objects.filter(kind="passed up").latest("id")

    assert "\r" not in email.subject and "\n" not in email.subject
    assert outbox.deliver(email.pk) is True
    assert "Kettle broken" in mail.outbox[0].subject


def test_bulk_queued_emails_get_one_line_subjects_too(db):
    [email] = outbox.queue_emails(
        [OutboundEmail(kind="x", recipients=["a@example.com"], subject="a\nb", body="b")]
    )
    assert email.subject == "a b"


def test_a_secret_link_is_sent_and_then_removed_from_the_stored_body(db):
    link = "https://tierdesk.example/survey/T-000001/s3cret-token/"
    email = outbox.queue_email(
        "survey", ["c@example.com"], "How did we do?", f"Answer here:\n\n{outbox.secret_link(link)}\n"
    )

    assert outbox.deliver(email.pk) is True

    assert mail.outbox[0].body == f"Answer here:\n\n{link}\n"
    email.refresh_from_db()
    assert "s3cret-token" not in email.body
    assert email.body == f"Answer here:\n\n{outbox.REDACTED_LINK}\n"


def test_a_failed_send_keeps_the_secret_link_for_the_retry(db, settings, unreachable_mail_server):
    link = "https://tierdesk.example/survey/T-000001/s3cret-token/"
    email = outbox.queue_email("survey", ["c@example.com"], "Survey", outbox.secret_link(link))

    assert outbox.deliver(email.pk) is False
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert outbox.deliver(email.pk) is True

    assert [m.body for m in mail.outbox] == [link]
    email.refresh_from_db()
    assert email.body == outbox.REDACTED_LINK


def test_emails_recorded_as_not_delivered_keep_no_secret_but_arrive_in_the_mailbox(db):
    link = "https://tierdesk.example/survey/T-000001/s3cret-token/"
    with outbox.not_delivered() as mailbox:
        email = outbox.queue_email("survey", ["c@example.com"], "Survey", outbox.secret_link(link))
        assert outbox.not_delivered_mailbox() is mailbox

    assert [m.body for m in mailbox] == [link]
    email.refresh_from_db()
    assert email.sent_at is not None and email.body == outbox.REDACTED_LINK
    assert len(outbox.not_delivered_mailbox()) == 0


def test_the_admin_never_shows_a_live_link(client, db):
    link = "https://tierdesk.example/survey/T-000001/s3cret-token/"
    email = outbox.queue_email("survey", ["c@example.com"], "Survey", outbox.secret_link(link))
    client.force_login(get_user_model().objects.create_superuser("root", "r@example.com", "pw"))

    html = client.get(reverse("admin:outbox_outboundemail_change", args=[email.pk])).content.decode()

    assert "s3cret-token" not in html
    assert outbox.REDACTED_LINK in html
