"""``{% csrf_cookie_name %}``: the name of Django's CSRF cookie, for scripts that read it."""

from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def csrf_cookie_name() -> str:
    return settings.CSRF_COOKIE_NAME
