"""``{% site_name %}``: the project's name (``SITE_NAME``), for pages and mails alike (a mail is
rendered without a request, so no context processor would reach it)."""

from django import template

from tokens.conf import token_settings

register = template.Library()


@register.simple_tag
def site_name() -> str:
    return token_settings.SITE_NAME
