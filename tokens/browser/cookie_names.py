"""The names of the app's cookies: outside development each carries the prefix that makes a
browser hold it to HTTPS, and to this host alone where it covers the whole site.
"""

from tokens.conf import token_settings

# Secure, path "/", no Domain: a sibling subdomain cannot set or shadow it (RFC 6265bis 4.1.3.2).
HOST_PREFIX = "__Host-"
# Secure only: for a cookie scoped to a narrower path (RFC 6265bis 4.1.3.1).
SECURE_PREFIX = "__Secure-"


def cookie_name(base: str, path: str) -> str:
    """The name a cookie called ``base`` on ``path`` is set and read under: ``__Host-`` on ``/``
    and ``__Secure-`` on a narrower path while cookies are Secure (``COOKIE_SECURE``), else
    ``base``.
    """
    if not token_settings.COOKIE_SECURE:
        return base
    return (HOST_PREFIX if path == "/" else SECURE_PREFIX) + base
