"""Form fields every app shares."""

from django import forms
from django.utils.translation import gettext_lazy as _


class LimitedChoicesMixin:
    """A multiple choice refused past ``max_choices`` entries, before anything is looked up.

    Django's ModelMultipleChoiceField already drops repeats and checks every value in one
    ``__in`` query; the cap keeps a forged list of thousands from costing that work.
    """

    max_choices = 50

    def clean(self, value):
        if isinstance(value, (list, tuple)) and len(value) > self.max_choices:
            raise forms.ValidationError(
                _("Choose at most %(n)d.") % {"n": self.max_choices}, code="too_many"
            )
        return super().clean(value)


class LimitedModelMultipleChoiceField(LimitedChoicesMixin, forms.ModelMultipleChoiceField):
    pass
