"""Content negotiation for endpoints that answer machines: their one format, whatever ``Accept``
says.
"""

from rest_framework.negotiation import BaseContentNegotiation


class IgnoreAcceptNegotiation(BaseContentNegotiation):
    """Always the view's first parser and renderer: a probe or a scraper never gets 406 Not
    Acceptable.

    DRF's documented pattern for ignoring the client's ``Accept`` header (API guide, "Content
    negotiation").
    """

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type
