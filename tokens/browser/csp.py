"""The Content-Security-Policy of the project's own pages (the account page, the admin's security
overview): script and style from this site's files only, no plugins, no ``<base>``, never framed.

Django 5.2 has no CSP of its own; a page opts in with ``content_security_policy(view)``. Framing
is refused twice: ``frame-ancestors`` here, and ``X-Frame-Options: DENY`` on every response from
Django's ``XFrameOptionsMiddleware`` (for browsers without CSP level 2).
"""

from functools import wraps

HEADER = "Content-Security-Policy"
# No 'unsafe-inline' and no 'unsafe-eval': an injected <script>, on*= handler, javascript: URL or
# style attribute does not run. data: images: the page's empty favicon and the TOTP QR code.
POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)


def content_security_policy(view):
    """``view`` with the pages' policy on its responses."""

    @wraps(view)
    def with_policy(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response.headers[HEADER] = POLICY
        return response

    return with_policy
