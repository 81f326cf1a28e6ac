"""The API's JSON parser: bounded body size and nesting depth, so no body can stall a worker.

The REST_FRAMEWORK default (config.settings), so every JSON endpoint uses it, the
anonymous token endpoint included. A view may lower or raise its own body limit with a
``max_body_bytes`` attribute (Django's DATA_UPLOAD_MAX_MEMORY_SIZE is one global figure,
and DRF reads the stream without it).
"""

import json
import re
from collections.abc import Mapping
from typing import IO, Any, NoReturn

from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import JSONParser

# The longest text the API takes is 20,000 characters, up to 6 bytes each as "\uXXXX".
DEFAULT_MAX_BODY_BYTES = 256 * 1024
MAX_DEPTH = 50

# Characters that open or close a level or a string; everything else is skipped by the regex
# engine. One pass, linear in the body (a regex matching whole strings backtracks badly).
_SPECIAL = re.compile(r'[\[\]{}"\\]')


class RequestBodyTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"


def json_depth(text: str, *, stop_above: int | None = None) -> int:
    """The deepest nesting of arrays and objects in ``text``, ignoring brackets in strings.

    Stops counting once past ``stop_above``: the answer is then only "deeper than that".
    """
    depth = deepest = 0
    in_string = False
    escaped_at = -1
    for match in _SPECIAL.finditer(text):
        char, at = match.group(), match.start()
        if at == escaped_at:
            continue
        if in_string:
            if char == "\\":
                escaped_at = at + 1
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if stop_above is not None and deepest > stop_above:
                    break
        elif char in "]}":
            depth -= 1
    return deepest


class LimitedJSONParser(JSONParser):
    """JSON at most ``max_body_bytes`` long (413) and ``MAX_DEPTH`` levels deep (400)."""

    max_depth = MAX_DEPTH

    def parse(
        self, stream: IO[Any], media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> Any:
        parser_context = parser_context or {}
        limit = getattr(parser_context.get("view"), "max_body_bytes", DEFAULT_MAX_BODY_BYTES)
        request = parser_context.get("request")
        declared = request.META.get("CONTENT_LENGTH") if request is not None else None
        if declared and declared.isascii() and declared.isdigit() and int(declared) > limit:
            raise self._too_large(limit)
        # Read at most one byte past the limit: a missing or false Content-Length is no way in.
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise self._too_large(limit)
        encoding = parser_context.get("encoding", "utf-8")
        try:
            text = raw.decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise ParseError(_("The body is not valid %(e)s text.") % {"e": encoding}) from exc
        if json_depth(text, stop_above=self.max_depth) > self.max_depth:
            raise ParseError(
                ngettext(
                    "JSON nested deeper than %(n)d levels is refused.",
                    "JSON nested deeper than %(n)d levels is refused.",
                    self.max_depth,
                )
                % {"n": self.max_depth}
            )
        try:
            return json.loads(text, parse_constant=_refuse_constant)
        except RecursionError as exc:  # Should the count above ever be fooled.
            raise ParseError(_("The JSON is nested too deeply.")) from exc
        except ValueError as exc:
            raise ParseError(_("JSON parse error - %(e)s") % {"e": exc}) from exc

    @staticmethod
    def _too_large(limit: int) -> RequestBodyTooLarge:
        return RequestBodyTooLarge(
            ngettext(
                "The request body is too large: at most %(n)d bytes here.",
                "The request body is too large: at most %(n)d bytes here.",
                limit,
            )
            % {"n": limit}
        )


def _refuse_constant(name: str) -> NoReturn:
    # NaN and Infinity are not JSON; DRF's parser refuses them too (strict mode).
    raise ValueError(_("%(c)s is not valid JSON.") % {"c": name})
