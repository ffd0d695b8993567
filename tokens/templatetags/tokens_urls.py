"""``{% auth_url_prefix %}``: where the project includes the app's URLs, for scripts that call them."""

from django import template

from tokens.cookies import auth_url_prefix as url_prefix

register = template.Library()


@register.simple_tag
def auth_url_prefix() -> str:
    return url_prefix()
