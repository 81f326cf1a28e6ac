"""A form field with its label, help and errors: ``{% load fields %}{% field_block form.note %}``.

Every form of the desk lays its fields out the same way; through an included template each
field cost half a millisecond of lookups before its widget was drawn, and the ticket page
draws thirteen. The widget itself is still Django's (``str(field)``), so its markup, ids and
``aria-describedby`` stay Django's too.
"""

from django import template
from django.forms import BoundField
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag
def field_block(field: BoundField) -> SafeString:
    """``<div class="field">``: label and widget (the box before its label for a checkbox,
    a fieldset of labelled choices for radios), then help text and each error."""
    widget = field.field.widget
    input_type = getattr(widget, "input_type", None)
    errors = field.errors
    classes = "field"
    if errors:
        classes += " field--error"
    if input_type == "checkbox":
        classes += " field--check"
        body = format_html('{} <label for="{}">{}</label>', field, field.id_for_label, field.label)
    elif input_type == "radio":
        choices = format_html_join(
            "", '<label class="radio">{} {}</label>', ((radio.tag(), radio.choice_label) for radio in field)
        )
        body = format_html("<fieldset><legend>{}</legend>{}</fieldset>", field.label, choices)
    else:
        required = mark_safe(' <span class="req" aria-hidden="true">*</span>') if field.field.required else ""
        body = format_html('<label for="{}">{}{}</label>\n    {}', field.id_for_label, field.label, required, field)
    help_text = (
        format_html('\n  <small class="help" id="{}_help">{}</small>', field.id_for_label, field.help_text)
        if field.help_text
        else ""
    )
    shown_errors = format_html_join("", '<p class="error-text" role="alert">{}</p>', ((e,) for e in errors))
    return format_html(
        '<div class="{}">\n    {}{}\n  {}\n</div>', classes, body, help_text, shown_errors
    )
