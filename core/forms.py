"""Form fields every app shares."""

from typing import TYPE_CHECKING, Any

from django import forms
from django.db.models import Model
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import ngettext

# For the type checker the mixin is a Field (it calls Field.clean); at run time it adds no base.
# Django's classes are not subscriptable at run time, hence the generic alias below too.
if TYPE_CHECKING:
    _FieldBase = forms.Field
    _ModelMultipleChoiceField = forms.ModelMultipleChoiceField[Model]
else:
    _FieldBase = object
    _ModelMultipleChoiceField = forms.ModelMultipleChoiceField


class LimitedChoicesMixin(_FieldBase):
    """A multiple choice refused past ``max_choices`` entries, before anything is looked up.

    Django's ModelMultipleChoiceField already drops repeats and checks every value in one
    ``__in`` query; the cap keeps a forged list of thousands from costing that work.
    """

    max_choices = 50

    def clean(self, value: Any) -> Any:
        if isinstance(value, (list, tuple)) and len(value) > self.max_choices:
            raise forms.ValidationError(
                ngettext("Choose at most %(n)d.", "Choose at most %(n)d.", self.max_choices)
                % {"n": self.max_choices},
                code="too_many",
            )
        return super().clean(value)


class LimitedModelMultipleChoiceField(LimitedChoicesMixin, _ModelMultipleChoiceField):
    pass


class DirectSelect(forms.Select):
    """A ``<select>`` whose options are written out here instead of a template each.

    Django renders every option through two templates; the managers' owner filter lists
    every person with a seat (170 at a large centre), which made the widget cost more than
    the fifty rows of the page under it. The markup is Django's own.
    """

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        lines = [format_html('<select name="{}"{}>', widget["name"], flatatt(widget["attrs"]))]
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                lines.append(format_html('<optgroup label="{}">', group_name))
            lines.extend(
                format_html(
                    '<option value="{}"{}>{}</option>',
                    str(option["value"]), flatatt(option["attrs"]), option["label"],
                )
                for option in options
            )
            if group_name:
                lines.append(mark_safe("</optgroup>"))
        return mark_safe("\n  ".join(lines) + "\n</select>")
