"""``{% field_block %}`` (core/templatetags/fields.py): the markup the shared field template
wrote, for every kind of field, bound or not, with errors and help."""

import re

import pytest
from django import forms
from django.template import engines

from referrals.forms import ReferForm
from tickets.forms import NoteForm

# What tickets/partials/field.html rendered before the tag wrote it.
TEMPLATE = """<div class="field{% if field.errors %} field--error{% endif %}{% if field.field.widget.input_type == 'checkbox' %} field--check{% endif %}">
  {% if field.field.widget.input_type == 'checkbox' %}
    {{ field }} <label for="{{ field.id_for_label }}">{{ field.label }}</label>
  {% elif field.field.widget.input_type == 'radio' %}
    <fieldset><legend>{{ field.label }}</legend>{% for radio in field %}<label class="radio">{{ radio.tag }} {{ radio.choice_label }}</label>{% endfor %}</fieldset>
  {% else %}
    <label for="{{ field.id_for_label }}">{{ field.label }}{% if field.field.required %} <span class="req" aria-hidden="true">*</span>{% endif %}</label>
    {{ field }}
  {% endif %}
  {% if field.help_text %}<small class="help" id="{{ field.id_for_label }}_help">{{ field.help_text }}</small>{% endif %}
  {% for error in field.errors %}<p class="error-text" role="alert">{{ error }}</p>{% endfor %}
</div>"""

HOSTILE = '<b>"x"</b>'


class EveryKind(forms.Form):
    text = forms.CharField(label=HOSTILE, help_text=f"Help {HOSTILE}", max_length=5)
    optional = forms.CharField(required=False)
    box = forms.BooleanField(label="Tick me", required=False)
    choice = forms.ChoiceField(choices=[("a", HOSTILE), ("b", "B")], widget=forms.RadioSelect)
    pick = forms.ChoiceField(choices=[("", "—"), ("1", "One")])


FORMS = {
    "blank": lambda: EveryKind(),
    "bound with errors": lambda: EveryKind(data={"text": "far too long", "choice": "zzz"}),
    "bound and valid": lambda: EveryKind(data={"text": "ok", "box": "on", "choice": "a", "pick": "1"}),
    "a ticket's note": lambda: NoteForm(),
    "a referral": lambda: ReferForm(data={"question": ""}),
}


def squeezed(html: str) -> str:
    return re.sub(r"\s+", " ", str(html)).replace("> <", "><").strip()


@pytest.mark.django_db
@pytest.mark.parametrize("name", list(FORMS))
def test_the_tag_writes_what_the_template_wrote(name):
    form = FORMS[name]()
    engine = engines["django"]
    for field in form:
        expected = engine.from_string(TEMPLATE).render({"field": field})
        written = engine.from_string("{% load fields %}{% field_block field %}").render({"field": field})
        assert squeezed(written) == squeezed(expected), field.name


def test_labels_help_and_errors_are_escaped():
    form = EveryKind(data={"text": "far too long"})
    html = "".join(
        engines["django"].from_string("{% load fields %}{% field_block field %}").render({"field": f})
        for f in form
    )
    assert "<b>" not in html
    assert html.count("&lt;b&gt;") == 3  # the label, the help, a choice
    assert 'class="field field--error"' in html
    assert 'role="alert"' in html
