"""DRF permission classes for step-up: recent authentication, and a session proven with two factors.

Both read the claims of the request's access token (``AccessTokenAuthentication``), so they
cost nothing more than the authentication did: ``auth_time`` and ``amr`` ride in every token
of the session (``tokens.core.claims``). A client refused by either calls ``reauthenticate/`` and
retries with the new access token.
"""

from rest_framework.permissions import BasePermission

from tokens.conf import token_settings
from tokens.core import claims, clock
from tokens.exceptions import ReauthenticationRequired


def _claims(request) -> dict:
    payload = getattr(request.auth, "payload", None)
    return payload if isinstance(payload, dict) else {}


def authenticated_recently(request) -> bool:
    """Whether the request's access token proves a credential within ``REAUTHENTICATION_WINDOW``."""
    auth_time = _claims(request).get(claims.AUTH_TIME)
    if not isinstance(auth_time, int) or isinstance(auth_time, bool):
        return False
    return clock.now() - auth_time <= token_settings.REAUTHENTICATION_WINDOW


class RecentAuthentication(BasePermission):
    """Allow a request whose access token's ``auth_time`` is within ``REAUTHENTICATION_WINDOW``
    (300 s); otherwise 403 ``reauthentication_required``.
    """

    message = ReauthenticationRequired.default_detail
    code = ReauthenticationRequired.default_code

    def has_permission(self, request, view) -> bool:
        return authenticated_recently(request)


class MultiFactorAuthenticated(BasePermission):
    """Allow a request whose session was proven with two factors (``mfa`` in ``amr``); otherwise 403
    ``reauthentication_required``: re-authenticating with a second factor adds it.
    """

    message = "This action needs a session proven with a second factor: re-authenticate with one."
    code = ReauthenticationRequired.default_code

    def has_permission(self, request, view) -> bool:
        amr = _claims(request).get(claims.AMR)
        return isinstance(amr, list) and claims.MULTIPLE_FACTORS in amr
