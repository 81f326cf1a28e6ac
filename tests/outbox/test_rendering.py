"""Every email is rendered from its templates, in one place, on the organisation's clock."""

from datetime import UTC, date, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.template import TemplateDoesNotExist
from django.utils import timezone

from outbox import actions as outbox
from outbox.rendering import render_email, rendered_email

EMAILS = Path(settings.BASE_DIR) / "templates" / "emails"
# 01:00 UTC on 5 November 2026 is 03:00 in Bucharest (UTC+2 after 25 October).
AT = datetime(2026, 11, 5, 1, 0, tzinfo=UTC)
# Characters a plain-text email must carry as typed, never as HTML entities.
TRICKY = "Kettle \"K3\" <broken> & 50% off, isn't it"
URL = "https://desk.example.com/tickets/T-000042/"


class User:
    def __init__(self, full_name, username):
        self.full_name, self.username = full_name, username

    def get_full_name(self):
        return self.full_name


ANA = User("Ana Pop", "ana")
TICKET = SimpleNamespace(
    pk=42, reference="T-000042", subject=TRICKY,
    tier=SimpleNamespace(name="Specialists"), department=SimpleNamespace(name="Customer service"),
    customer=SimpleNamespace(name="Tom & Jerry"),
)
REFERRAL = SimpleNamespace(
    question="Is the K4 <in stock>?", answer="Yes & no", department=SimpleNamespace(name="Sales"), due_at=AT
)
LISTED = {"total": 1, "tickets": [{"reference": "T-000042", "subject": TRICKY, "url": URL}], "more": 0}
DUMPING = [{"who": "Ana Pop", "department": "Customer service", "tier": "Front line",
            "signs": "Quick passes 3", "dumped_share": "75.0%", "flagged": True}]

# One realistic context per template (its name is the email's kind, except arrived_in_queue,
# which the kinds "passed up" and "transferred" share).
CONTEXTS = {
    "assigned": {"ticket": TICKET, "actor": ANA, "url": URL},
    "arrived_in_queue": {"ticket": TICKET, "how": "passed up", "note": "Tried a reset & a new fuse.", "url": URL},
    "escalated": {"tier": "Experts", **LISTED},
    "breached": LISTED,
    "survey": {"ticket": TICKET, "url": outbox.secret_link("https://desk.example.com/survey/T-000042/s3cret/"),
               "expires_at": AT},
    "monthly_summary": {
        "month": "October 2026", "url": "https://desk.example.com/reports/?month=2026-10",
        "label": {k: k.replace("_", " ").capitalize() for k in (
            "opened", "resolved", "within_share", "median", "p90", "passed_up", "escalated", "breached",
            "unowned_timeouts", "backlog", "came_back_rate", "satisfied", "dumped_share")},
        "org": SimpleNamespace(opened=6, resolved=3, passed_up=1, escalated=2, breached=0, unowned_timeouts=0,
                               backlog=3, came_back=0),
        "shown": {"within_share": "66.7%", "median": "2.0 h", "p90": "3.5 h", "came_back_rate": "0.0%",
                  "satisfied": "100.0%"},
        "answers": 1, "dumping": DUMPING,
    },
    "weekly_digest": {"week_start": date(2026, 11, 2), "departments": [{"name": "Sales", "bulletins": [
        {"kind": "Out of stock", "title": TRICKY, "pinned": True, "expires_at": AT, "lines": ["Offer the K4."]},
    ]}]},
    "ledger_seal": {"day": date(2026, 11, 5), "now": AT, "zone": "Europe/Bucharest", "digest": "ab" * 32,
                    "tickets": 3, "handoffs": 12, "last_handoff_id": 99},
    "clock_stopped": {"minutes": 7, "last_sweep_at": AT},
    "referral_asked": {"referral": REFERRAL, "ticket": TICKET, "actor": ANA, "url": URL},
    "referral_answered": {"referral": REFERRAL, "ticket": TICKET, "actor": ANA, "url": URL},
    "referral_overdue": {"questions": [{"url": URL, "question": REFERRAL.question}]},
    "pause_expired": {"ticket": TICKET, "owner": ANA, "reason": TRICKY, "paused_at": AT, "days": 5, "url": URL},
    "off_shift_time_out": {
        "ticket": TICKET, "person": ANA, "tier": SimpleNamespace(name="Front line"), "ran_out_at": AT,
        "breached": False, "url": URL,
    },
}


def template_names() -> set[str]:
    return {p.name.removesuffix("_subject.txt") for p in EMAILS.glob("*_subject.txt")}


def test_every_email_has_a_subject_and_a_body_template_and_a_context_here():
    bodies = {p.stem for p in EMAILS.glob("*.txt") if not p.stem.endswith("_subject")}
    assert template_names() == bodies == set(CONTEXTS)


@pytest.mark.parametrize("name", sorted(CONTEXTS))
def test_every_email_renders_from_its_template_as_plain_text(name):
    subject, body = render_email(name, CONTEXTS[name])

    assert subject and body
    assert subject == subject.strip() and "\n" not in subject and "\r" not in subject
    assert body == body.strip("\n").rstrip()
    for entity in ("&amp;", "&lt;", "&gt;", "&quot;", "&#x27;"):
        assert entity not in subject + body


@pytest.mark.parametrize("path", sorted(EMAILS.rglob("*.txt")), ids=lambda p: p.name)
def test_every_email_template_turns_html_escaping_off(path):
    source = path.read_text()
    assert "{% autoescape off %}" in source and source.rstrip().endswith("{% endautoescape %}")


def test_a_subject_is_one_line_even_when_the_ticket_subject_has_line_breaks():
    ticket = SimpleNamespace(**{**vars(TICKET), "subject": "Kettle\r\nBcc: x@evil.example\n"})

    subject, _body = render_email("assigned", {**CONTEXTS["assigned"], "ticket": ticket})

    assert subject == "T-000042 assigned to you: Kettle Bcc: x@evil.example"


def test_the_words_are_those_the_email_always_said():
    assert render_email("assigned", CONTEXTS["assigned"]) == (
        f"T-000042 assigned to you: {TRICKY}",
        f"Ana Pop assigned ticket T-000042 to you.\n\n{URL}",
    )
    assert render_email("escalated", {**CONTEXTS["escalated"], "total": 52, "more": 51})[1] == (
        "These tickets ran out of time at the tier below and now wait in your queue:\n\n"
        f"T-000042  {TRICKY}  {URL}\n… and 51 more."
    )
    assert render_email("referral_overdue", {"questions": [{"url": URL, "question": "x" * 130}] * 2})[1] == (
        f"{URL}  {'x' * 120}\n{URL}  {'x' * 120}"
    )


def test_times_are_on_the_organisations_clock_whatever_zone_is_active(settings):
    with timezone.override(UTC):
        _subject, body = render_email("clock_stopped", CONTEXTS["clock_stopped"])
    assert "(last completed sweep: 5 Nov 2026, 03:00)" in body

    settings.TIERDESK_TIME_ZONE = "Asia/Tokyo"
    _subject, body = render_email("clock_stopped", CONTEXTS["clock_stopped"])
    assert "(last completed sweep: 5 Nov 2026, 10:00)" in body


def test_a_day_near_midnight_is_the_organisations_day():
    late = datetime(2026, 11, 30, 22, 30, tzinfo=UTC)  # already 1 December in Bucharest

    _subject, body = render_email("survey", {**CONTEXTS["survey"], "expires_at": late})
    _s, digest = render_email("weekly_digest", CONTEXTS["weekly_digest"])

    assert body.endswith("The link works once and until 1 Dec 2026.")
    assert f"* Out of stock: {TRICKY} [pinned] (until 5 Nov 2026, 03:00)\n  Offer the K4." in digest


def test_the_survey_link_stays_a_secret_through_the_template():
    _subject, body = render_email("survey", CONTEXTS["survey"])

    assert "https://desk.example.com/survey/T-000042/s3cret/" in outbox.revealed(body)
    assert "s3cret" not in outbox.redacted(body) and outbox.REDACTED_LINK in outbox.redacted(body)


def test_a_never_completed_sweep_says_never():
    _subject, body = render_email("clock_stopped", {"minutes": 7, "last_sweep_at": None})
    assert "(last completed sweep: never)" in body


def test_a_missing_template_fails_loudly():
    with pytest.raises(TemplateDoesNotExist):
        render_email("no_such_email", {})


def test_a_prepared_email_keeps_its_stable_kind_and_sorted_recipients():
    email = rendered_email("breached", ["b@example.com", "a@example.com", "a@example.com"], LISTED)

    assert email.pk is None and email.kind == "breached"
    assert email.recipients == ["a@example.com", "b@example.com"]
    assert email.subject == "1 ticket(s) breached at the top tier"


def test_arrival_emails_take_their_stable_kinds_never_words():
    from tickets.notifications import arrival_kind

    assert arrival_kind("passed up") == "passed up" and arrival_kind("transferred") == "transferred"
    for words in ("Passed up!", "prosljeđeno"):
        with pytest.raises(ValueError):
            arrival_kind(words)
