"""The stages every login runs through, in the order ``TOKENS["LOGIN_STAGES"]`` names them.

A stage is built for one attempt and ``handle()``s it: it reads and adds to the attempt and
returns None to go on, or hands back a response that ends the attempt with it (a refusal such as
``mfa_required``). Errors of the domain (``tokens.exceptions``) end it too; each door translates
them, the API's views into its error codes, the admin's form into form errors.
"""

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.response import Response

from tokens.adapter import get_adapter
from tokens.browser import binding, device_cookies
from tokens.browser.cookies import (
    asks_cookies_only,
    set_login_cookies,
    set_token_cookies,
    without_tokens,
)
from tokens.conf import token_settings
from tokens.core import claims
from tokens.core.issuing import login
from tokens.core.rotation import reauthenticate
from tokens.exceptions import InvalidCredentialsError, ThrottledError
from tokens.flows.attempt import LoginAttempt
from tokens.lifecycle import services as lifecycle
from tokens.mfa import enrolment, factors
from tokens.throttling import WRONG_SECRET, guarded


class LoginStage:
    """One step of every login; subclass it and name the subclass in ``LOGIN_STAGES``."""

    def __init__(self, attempt: LoginAttempt):
        self.attempt = attempt
        self.request = attempt.request

    def handle(self) -> Response | None:
        """None to go on to the next stage, or the response that ends the attempt."""
        return None

    def refuse(
        self, code: str, detail: str, status_code: int = status.HTTP_403_FORBIDDEN, **extra: Any
    ) -> Response:
        """A refusal in the API's error shape, ``{"detail", "code", ...}``."""
        return Response({"detail": detail, "code": code, **extra}, status=status_code)


class IdentifyStage(LoginStage):
    """The door names the user, or what wrong guesses at this door are counted against."""

    def handle(self) -> Response | None:
        self.attempt.door.identify(self.attempt)
        return None


class CheckSecretStage(LoginStage):
    """The door's secret, checked under the subject's limits on guessing
    (``tokens.throttling.guarded``: the wait, the count of wrong guesses and their events).
    """

    def handle(self) -> Response | None:
        attempt, door = self.attempt, self.attempt.door
        try:
            if attempt.subject is None:
                door.verify(attempt)
            else:
                guarded(
                    self.request,
                    attempt.subject,
                    lambda: door.verify(attempt),
                    **door.guard_options(attempt),
                )
        except ThrottledError:
            attempt.count("throttled")
            raise
        except WRONG_SECRET:
            attempt.count("wrong")
            raise
        door.proven(attempt)
        return None


class AccountStateStage(LoginStage):
    """Only once the secret is right (so this never tells a guesser anything): the door's own
    refusals, an active user, and a verified address where verification is mandatory.
    """

    def handle(self) -> Response | None:
        attempt = self.attempt
        attempt.door.allowed(attempt)
        if not getattr(attempt.user, "is_active", True):
            raise InvalidCredentialsError("the user is disabled")
        if (
            not attempt.door.reauthenticates
            and attempt.door.checks_address
            and not attempt.may_log_in()
        ):
            lifecycle.check_may_log_in(attempt.user)  # raises the refusal
        return None


class SecondFactorStage(LoginStage):
    """No session opens without the user's second factor: asked for in a second step
    (403 ``mfa_required`` with an ``mfa_token``), or checked here when the door took it inline.
    """

    def handle(self) -> Response | None:
        attempt, door = self.attempt, self.attempt.door
        if (
            door.reauthenticates
            or claims.SECOND_FACTORS.intersection(attempt.amr)
            or not attempt.has_second_factor()
        ):
            return None
        if door.asks_code_inline:
            return self.check_inline_code()
        # The password was right; the session opens only with the second factor (login/mfa/).
        attempt.count("mfa_required")
        return self.refuse(
            "mfa_required",
            _("A second factor is needed: finish at login/mfa/."),
            **factors.start_login(self.request, attempt.user, attempt.amr, attempt.provider),
        )

    def check_inline_code(self) -> Response | None:
        attempt, user, code = self.attempt, self.attempt.user, self.attempt.door.inline_code
        if not code:
            return self.refuse("mfa_required", _("A second factor is needed: give its code too."))
        method = factors.check(
            self.request, user, lambda: factors.verify_code(user, code), attempt.door.name
        )
        attempt.amr.append(method)
        return None


class EnrolmentStage(LoginStage):
    """Where ``MFA_REQUIRED`` puts the user in scope, no session opens without a second factor: a
    user who has none gets 403 ``mfa_enrollment_required`` with an ``enrollment_token`` for the
    enrolment steps (the admin's form: its error), and the login finishes there.
    """

    def handle(self) -> Response | None:
        attempt = self.attempt
        if attempt.door.reauthenticates or not attempt.needs_enrolment():
            return None
        attempt.count("mfa_enrollment_required")
        detail = _("A second factor is required for this account: enrol one to finish the login.")
        if not attempt.door.issues_tokens:
            return self.refuse("mfa_enrollment_required", detail)
        return self.refuse(
            "mfa_enrollment_required",
            detail,
            enrollment_token=enrolment.start(attempt.user, attempt.amr, attempt.provider),
        )


class OpenSessionStage(LoginStage):
    """A new session and its first pair; re-authenticating, a fresh pair of the request's session
    naming this proof alone.
    """

    def handle(self) -> Response | None:
        attempt, user = self.attempt, self.attempt.user
        if not attempt.door.issues_tokens:
            return None
        if attempt.door.reauthenticates:
            attempt.pair = reauthenticate(self.request, self.request.auth, user, attempt.amr)
            return None
        # Asked before the login sets last_login: the account's first login is new to every
        # browser, so it mails nobody.
        attempt.new_device = (
            token_settings.NEW_DEVICE_MAIL
            and getattr(user, "last_login", None) is not None
            and not device_cookies.known_device(self.request, user)
        )
        attempt.fingerprint = binding.new_fingerprint() if binding.enabled() else None
        digest = attempt.fingerprint and binding.digest(attempt.fingerprint)
        attempt.pair = login(self.request, user, digest, amr=attempt.amr, provider=attempt.provider)
        # Signed in from now on, as Django's own login() does: the browsable API's navbar shows it
        # at once.
        self.request.user = user
        return None


class RespondStage(LoginStage):
    """The answer: the pair and the ``user`` (``USER_SERIALIZER``), the cookies, the device
    cookie, and the owner's mail about a new browser; a re-authentication's pair and cookies.
    A request with ``"transport": "cookie"`` gets the tokens in the HttpOnly cookies alone, so
    that no script on the page (an injected one included) ever reads them.
    """

    def handle(self) -> Response | None:
        attempt = self.attempt
        if attempt.pair is None:
            return None
        body = attempt.pair.body()
        if attempt.door.reauthenticates:
            attempt.response = Response(self.readable(body))
            set_token_cookies(attempt.response, body)
            return None
        attempt.count("succeeded")
        user_serializer = token_settings.imported("USER_SERIALIZER")
        body["user"] = user_serializer(attempt.user, context={"request": self.request}).data
        attempt.response = Response(self.readable(body))
        set_login_cookies(self.request, attempt.response, body, attempt.fingerprint)
        device_cookies.set_cookie(attempt.response, attempt.user)
        if attempt.new_device:
            get_adapter().notify(attempt.user, "new_device", None, self.request)
        return None

    def readable(self, body: dict) -> dict:
        """What the response's body shows: the whole pair, or all but the tokens when the request
        asked for cookies alone.
        """
        return without_tokens(body) if asks_cookies_only(self.request) else body
