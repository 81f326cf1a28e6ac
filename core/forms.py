"""Form fields every app shares."""

from typing import TYPE_CHECKING, Any

from django import forms
from django.db.models import Model
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
