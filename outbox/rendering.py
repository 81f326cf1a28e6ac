"""Every email's words come from templates: ``templates/emails/<name>.txt`` and ``<name>_subject.txt``.

``render_email`` is the one place that turns a template and its context into a subject and a
plain-text body, in the recipient's language (``language``; English when none is given: a
staff member's choice comes from ``departments.queries.languages_of``, a customer's from
``Customer.language``). It renders on the organisation's clock (there is no per-recipient zone),
so ``{{ instant|when }}`` and Django's ``|date`` read the same as the pages. The templates
are plain text: each starts with ``{% autoescape off %}``, so a customer's "Tom & Jerry"
arrives as typed, not as HTML entities. A missing template raises TemplateDoesNotExist:
an email is never sent with an empty body.
"""

from django.template.loader import render_to_string
from django.utils import timezone, translation

from core import languages
from core.display import organisation_zone, shown_in
from outbox.actions import one_line
from outbox.models import OutboundEmail

TEMPLATE_DIR = "emails"


def render_email(name: str, context: dict, *, language: str | None = None) -> tuple[str, str]:
    """Return the (subject, body) of the email ``name`` (usually its kind) for ``context``.

    The subject is one line (runs of whitespace become one space); the body loses the
    blank lines before and after its text.
    """
    with (
        timezone.override(organisation_zone()),
        shown_in(None),
        translation.override(languages.or_default(language)),
    ):
        subject = render_to_string(f"{TEMPLATE_DIR}/{name}_subject.txt", context)
        body = render_to_string(f"{TEMPLATE_DIR}/{name}.txt", context)
    return one_line(subject), body.strip("\n").rstrip()


def rendered_email(
    kind: str, recipients, context: dict, *, template: str | None = None, language: str | None = None
) -> OutboundEmail:
    """An unsaved email of ``kind`` rendered from its template, for ``outbox.actions.queue_emails``."""
    subject, body = render_email(template or kind, context, language=language)
    return OutboundEmail(kind=kind, recipients=sorted(set(recipients)), subject=subject, body=body)
