"""Request body parsers: DRF's, with JSON nested past Python's recursion limit refused as a parse
error.
"""

from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser; DRF lets ``RecursionError`` through (a 500 for ``[[[[...]]]]`` 1,000
    deep).
    """

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - nested too deeply.") from None
