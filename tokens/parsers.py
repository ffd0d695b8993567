"""Request body parsers: DRF's, with JSON that Python can decode but no text can hold refused as
a parse error: nesting past Python's recursion limit, and lone surrogates.
"""

import re

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

# A UTF-16 surrogate left alone: json decodes a paired "\ud83d\ude00" to one code point, so any
# surrogate in its result came from an unpaired escape such as "\ud800".
LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def has_lone_surrogate(data) -> bool:
    """Whether any key or string in parsed JSON holds a lone surrogate (walked without
    recursion, so no depth the parser accepted can exhaust the stack).
    """
    pending = [data]
    while pending:
        value = pending.pop()
        if isinstance(value, str):
            if LONE_SURROGATE.search(value):
                return True
        elif isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
    return False


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser; DRF lets ``RecursionError`` through (a 500 for ``[[[[...]]]]`` 1,000
    deep) and accepts lone surrogates, which no UTF-8 encoding, hash or database takes (RFC 7493
    §2.1 forbids them), so a 500 wherever the text is used.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_("JSON parse error - nested too deeply.")) from None
        if has_lone_surrogate(data):
            raise ParseError(_("JSON parse error - a string holds a lone surrogate."))
        return data
