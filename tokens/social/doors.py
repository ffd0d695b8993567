"""The social login's doors into the login pipeline (``tokens.flows``): the one-time login code of
a callback (or a native app's checked ID token), and the code of a re-authentication.

The provider proved the person; the stages then do what every login does: an account's second
factor, the session, the device cookie, the new-browser mail, the auth events, the answer.
"""

from collections.abc import Mapping
from typing import Any, ClassVar

from django.contrib.auth import get_user_model

from tokens.core.events import record_event
from tokens.exceptions import InvalidCodeError, InvalidCredentialsError
from tokens.flows import Door, LoginAttempt
from tokens.models import AuthEvent
from tokens.social import flow
from tokens.social.services import LOGIN, REAUTH
from tokens.throttling import Subject

# RFC 8176: a login federated from another identity provider.
FEDERATED = "fed"


def _user(pk: Any):
    user = get_user_model()._default_manager.filter(pk=pk).first()
    if user is None:
        raise InvalidCodeError("the code's account is gone")
    return user


class SocialDoor(Door):
    """``login/social/`` (a login code) and ``login/social/token/`` (a checked identity's user)."""

    name = "social"
    outcomes: ClassVar[Mapping[str, str]] = {
        "wrong": "failed",
        "throttled": "throttled",
        "mfa_required": "mfa_required",
        "mfa_enrollment_required": "mfa_enrollment_required",
        "succeeded": "succeeded",
    }
    # The provider proved the person, not the address: an account a social login made, whose
    # address the provider does not vouch for, logs in this way while its address waits.
    checks_address = False

    def __init__(self, code: str | None = None, user_pk: Any = None, provider_id: str = ""):
        self.code, self.user_pk, self.provider_id = code, user_pk, provider_id

    def identify(self, attempt: LoginAttempt) -> None:
        if self.code is not None:
            try:
                record = flow.redeem_code(attempt.request, self.code, LOGIN)
            except InvalidCodeError:
                # Expired, used, or another browser's (a login CSRF): a failed login all the same.
                attempt.count("wrong")
                record_event(
                    AuthEvent.Kind.LOGIN_FAILED, attempt.request, detail="social: invalid_code"
                )
                raise
            self.user_pk, self.provider_id = record["user"], record["provider"]
        attempt.user = _user(self.user_pk)
        attempt.subject = Subject.of_user(attempt.user)

    def verify(self, attempt: LoginAttempt) -> None:
        attempt.amr.append(FEDERATED)
        attempt.provider = self.provider_id
        # The login's event names the provider (tokens.signals.record_login).
        attempt.request.login_detail = f"social: {self.provider_id}"

    def guard_options(self, attempt: LoginAttempt) -> dict[str, Any]:
        # The login's own event is recorded when the session opens (user_logged_in).
        return {"failed_event": None, "detail": f"social: {self.provider_id}"}

    def allowed(self, attempt: LoginAttempt) -> None:
        # A disabled account, refused as at login/, where authenticate()'s failure is in the log.
        if not getattr(attempt.user, "is_active", True):
            attempt.count("wrong")
            detail = f"social: {self.provider_id}: disabled"
            record_event(AuthEvent.Kind.LOGIN_FAILED, attempt.request, attempt.user, detail=detail)
            raise InvalidCredentialsError("the user is disabled")


class SocialReauthenticationDoor(Door):
    """``reauthenticate/`` with a ``social_code``: the provider proved the signed-in person again,
    through a flow this session started.
    """

    name = "reauthenticate"
    reauthenticates = True

    def __init__(self, code: str):
        self.code = code

    def identify(self, attempt: LoginAttempt) -> None:
        attempt.user = attempt.request.user
        attempt.subject = Subject.of_user(attempt.user)
        record = flow.redeem_code(attempt.request, self.code, REAUTH)
        token = attempt.request.auth
        if record["user"] != str(attempt.user.pk) or record["sid"] != str(token["sid"]):
            raise InvalidCodeError("the code is another session's")

    def verify(self, attempt: LoginAttempt) -> None:
        attempt.amr.append(FEDERATED)

    def guard_options(self, attempt: LoginAttempt) -> dict[str, Any]:
        return {"failed_event": None, "detail": "social re-authentication"}
