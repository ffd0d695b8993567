"""DRF permission classes for step-up: recent authentication, and a session proven with two factors.

Both read the claims of the request's access token (``AccessTokenAuthentication``): ``auth_time``
and ``amr`` ride in every token of the session (``tokens.core.claims``). Recent authentication
asks the database one question more, and only when the recent proof was no second factor: whether
the user has one, since then the password alone is weaker than the account. A client refused by
either calls ``reauthenticate/`` and retries with the new access token.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from tokens.conf import token_settings
from tokens.core import claims, clock
from tokens.exceptions import ReauthenticationRequired
from tokens.mfa.factors import has_second_factor


def _claims(request) -> dict:
    payload = getattr(request.auth, "payload", None)
    return payload if isinstance(payload, dict) else {}


def _recent(token_claims: dict) -> bool:
    auth_time = token_claims.get(claims.AUTH_TIME)
    if not isinstance(auth_time, int) or isinstance(auth_time, bool):
        return False
    return clock.now() - auth_time <= token_settings.REAUTHENTICATION_WINDOW


def _second_factor_proven(token_claims: dict) -> bool:
    amr = token_claims.get(claims.AMR)
    return isinstance(amr, list) and bool(claims.SECOND_FACTORS.intersection(amr))


def authenticated_recently(request) -> bool:
    """Whether the request's access token proves, within ``REAUTHENTICATION_WINDOW``, a credential
    as strong as the account: a second factor (``otp`` or ``hwk`` in ``amr``) once the user has one.
    """
    token_claims = _claims(request)
    if not _recent(token_claims):
        return False
    return _second_factor_proven(token_claims) or not has_second_factor(request.user)


class RecentAuthentication(BasePermission):
    """Allow a request whose access token's ``auth_time`` is within ``REAUTHENTICATION_WINDOW``
    (300 s), from a proof that included a second factor when the user has one; otherwise 403
    ``reauthentication_required``.
    """

    message = ReauthenticationRequired.default_detail
    code = ReauthenticationRequired.default_code

    def has_permission(self, request, view) -> bool:
        return authenticated_recently(request)


class MultiFactorAuthenticated(BasePermission):
    """Allow a request whose session was proven with two factors (``mfa`` in ``amr``); otherwise 403
    ``reauthentication_required``. Only a login with both gives it: ``reauthenticate/`` takes one
    proof, and its ``amr`` names that proof alone.
    """

    message = _("This action needs a session proven with two factors: log in again with both.")
    code = ReauthenticationRequired.default_code

    def has_permission(self, request, view) -> bool:
        amr = _claims(request).get(claims.AMR)
        return isinstance(amr, list) and claims.MULTIPLE_FACTORS in amr


class RecentSecondFactorWhenEnrolled(BasePermission):
    """Allow a user without a second factor (the action asks for its own proof, as ``password/``
    asks for the old password); a user with one needs a recent proof that included it, as for
    ``RecentAuthentication``; otherwise 403 ``reauthentication_required``.
    """

    message = ReauthenticationRequired.default_detail
    code = ReauthenticationRequired.default_code

    def has_permission(self, request, view) -> bool:
        token_claims = _claims(request)
        if _recent(token_claims) and _second_factor_proven(token_claims):
            return True
        return not has_second_factor(request.user)
