"""Input fields every API shares: text that must be text, and slugs naming a row."""

from typing import TYPE_CHECKING, Any

from django.db.models import Model, QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

# For the type checker the mixin is a CharField (it calls its to_internal_value); at run time
# it adds no base.
if TYPE_CHECKING:
    _TextBase = serializers.CharField
else:
    _TextBase = object


class StrictTextMixin(_TextBase):
    """Refuse numbers and booleans where text is expected.

    DRF's CharField turns ``5`` into ``"5"``; a client sending a number for a note has a
    bug we would rather report than store.
    """

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class Text(StrictTextMixin, serializers.CharField):
    pass


class Email(StrictTextMixin, serializers.EmailField):
    pass


class SlugLookupField(StrictTextMixin, serializers.SlugField):
    """A slug that must name an existing row of ``queryset``; gives the row."""

    default_error_messages = {"does_not_exist": _('Nothing has the slug "{value}".')}

    def __init__(self, queryset: QuerySet[Model], **kwargs: Any) -> None:
        self.queryset = queryset
        super().__init__(max_length=60, **kwargs)

    def run_validation(self, data: Any = serializers.empty) -> Model | None:
        # Look up after the slug's own checks (type, length, pattern) have passed.
        slug = super().run_validation(data)
        if slug is None:
            return None
        found = self.queryset.filter(slug=slug).first()
        if found is None:
            self.fail("does_not_exist", value=slug)
        return found

    def to_representation(self, value: Any) -> str:
        slug: str = value.slug
        return slug
