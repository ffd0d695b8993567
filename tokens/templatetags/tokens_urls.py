"""``{% auth_url_prefix %}``: where the project includes the app's URLs, for scripts."""

from django import template

from tokens.browser.cookies import auth_url_prefix as url_prefix

register = template.Library()


@register.simple_tag
def auth_url_prefix() -> str:
    return url_prefix()
