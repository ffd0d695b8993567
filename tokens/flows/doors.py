"""The ways in: what each door contributes to a login before the common stages take over.

A door names the user (or what wrong guesses count against) and checks its secret; the stages
(``tokens.flows.stages``) do the rest the same way for all. A project's own way in (a social login)
is one more ``Door`` subclass run through ``tokens.flows.login()``.
"""

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any, ClassVar

from django.contrib.auth import authenticate, get_user_model
from django.core.exceptions import ValidationError

from tokens.core import claims
from tokens.exceptions import InvalidCodeError, InvalidCredentialsError
from tokens.flows.attempt import LoginAttempt
from tokens.mfa import enrolment, factors, passkeys
from tokens.mfa.models import Passkey
from tokens.models import AuthEvent
from tokens.throttling import Subject

# The guard's records of a second factor's check, as ``tokens.mfa.factors.check`` makes them.
SECOND_FACTOR_EVENTS = {
    "failed_event": AuthEvent.Kind.MFA_FAILED,
    "succeeded_event": AuthEvent.Kind.MFA_SUCCEEDED,
}


class Door(ABC):
    """A way in. Subclasses name the user in ``identify()`` and check the secret in ``verify()``:
    both abstract, so a door that lacks one cannot be made.
    """

    # The door's name, given to the stages (and as the detail of a code checked at it).
    name = ""
    # The ``auth_logins_total`` outcome of each event at this door ("wrong", "throttled",
    # "mfa_required", "succeeded"); an event not named is not counted.
    outcomes: ClassVar[Mapping[str, str]] = {}
    # Whether the attempt ends in a token pair; the admin's form leaves the session to Django.
    issues_tokens = True
    # Whether the attempt refreshes the session of the request (``reauthenticate/``).
    reauthenticates = False
    # Whether a login here needs the verified address of mandatory verification; a door whose
    # proof is an outside identity's (a social login) proves the person, not the address.
    checks_address = True
    # Whether a second factor comes in the same request (``inline_code``), not in a second step.
    asks_code_inline = False
    inline_code: str | None = None

    @abstractmethod
    def identify(self, attempt: LoginAttempt) -> None:
        """Set ``attempt.subject`` (None: the answer can be no guess at any account) and, when
        known before the secret, ``attempt.user``.
        """

    @abstractmethod
    def verify(self, attempt: LoginAttempt) -> None:
        """Check the secret: set ``attempt.user`` and add the method to ``attempt.amr``, or raise
        ``InvalidCredentialsError`` or ``InvalidCodeError``.
        """

    def guard_options(self, attempt: LoginAttempt) -> dict[str, Any]:
        """Keyword arguments of ``tokens.throttling.guarded`` for this door's check."""
        return {}

    def proven(self, attempt: LoginAttempt) -> None:
        """After a right secret: what the door spends (a pending login's token); nothing by
        default.
        """
        return None

    def allowed(self, attempt: LoginAttempt) -> None:
        """The door's own refusals of the account, raised as its errors; none by default."""
        return None


class PasswordDoor(Door):
    """``login/``: a username or e-mail address and a password."""

    name = "password"
    outcomes: ClassVar[Mapping[str, str]] = {
        "wrong": "failed",
        "throttled": "throttled",
        "mfa_required": "mfa_required",
        "mfa_enrollment_required": "mfa_enrollment_required",
        "succeeded": "succeeded",
    }

    def __init__(self, identifier: str, password: str):
        self.identifier, self.password = identifier, password

    def identify(self, attempt: LoginAttempt) -> None:
        attempt.subject = Subject.of_name(self.identifier)

    def verify(self, attempt: LoginAttempt) -> None:
        # A failure is recorded by authenticate()'s user_login_failed signal (tokens.signals).
        user = authenticate(attempt.request, username=self.identifier, password=self.password)
        if user is None:
            raise InvalidCredentialsError("login failed")
        attempt.user = user
        attempt.amr.append(claims.PASSWORD)

    def guard_options(self, attempt: LoginAttempt) -> dict[str, Any]:
        # A right password ends the run of wrong guesses only when it completes the login: not
        # with a second factor still to come (or to enrol), nor for an account the next stage
        # refuses (an unverified sign-up, an account the door does not let in).
        return {"failed_event": None, "ends_run": lambda _: self.completes(attempt)}

    def completes(self, attempt: LoginAttempt) -> bool:
        """Whether the right password alone lets ``attempt.user`` in at this door."""
        try:
            self.allowed(attempt)
        except (InvalidCredentialsError, ValidationError):
            return False
        return (
            attempt.may_log_in()
            and not attempt.has_second_factor()
            and not attempt.needs_enrolment()
        )


class SecondFactorDoor(Door):
    """``login/mfa/``: the ``mfa_token`` of a login whose password was right, and a code or a
    passkey answer.
    """

    name = "mfa"
    outcomes: ClassVar[Mapping[str, str]] = {"wrong": "mfa_failed", "succeeded": "succeeded"}

    def __init__(self, mfa_token: str, code: str | None = None, credential: dict | None = None):
        self.mfa_token, self.code, self.credential = mfa_token, code, credential
        self.waiting: dict[str, Any] = {}

    def identify(self, attempt: LoginAttempt) -> None:
        attempt.user, self.waiting = factors.pending_login(self.mfa_token)
        attempt.amr.extend(self.waiting["amr"])
        attempt.provider = self.waiting.get("provider", "")
        attempt.subject = Subject.of_user(attempt.user)

    def verify(self, attempt: LoginAttempt) -> None:
        user = attempt.user
        if self.credential is None:
            method = factors.verify_code(user, self.code or "")
        elif "ceremony" not in self.waiting:
            raise InvalidCodeError("the user has no passkey")
        else:
            method = factors.verify_passkey(user, self.waiting["ceremony"], self.credential)
        attempt.amr.append(method)

    def guard_options(self, attempt: LoginAttempt) -> dict[str, Any]:
        return SECOND_FACTOR_EVENTS

    def proven(self, attempt: LoginAttempt) -> None:
        factors.finish_login(self.mfa_token)


class EnrolmentDoor(Door):
    """``mfa/totp/confirm/`` and ``mfa/passkeys/`` with an ``enrollment_token``: the login whose
    password was right, held back by ``MFA_REQUIRED``, finishes with the factor just enrolled.

    The enrolment step checked the factor under the account's limits on guessing
    (``tokens.mfa.factors``); this door names what it proved and spends the token.
    """

    name = "enrolment"
    outcomes: ClassVar[Mapping[str, str]] = {"succeeded": "succeeded"}

    def __init__(self, waiting: enrolment.Enrolment, method: str):
        self.waiting, self.method = waiting, method

    def identify(self, attempt: LoginAttempt) -> None:
        attempt.user = self.waiting.user
        attempt.amr.extend(self.waiting.amr)
        attempt.provider = self.waiting.provider
        # No guess is checked here: the factor's own step counted its wrong codes.
        attempt.subject = None

    def verify(self, attempt: LoginAttempt) -> None:
        if not factors.has_second_factor(attempt.user):
            raise InvalidCodeError("no second factor was enrolled")
        attempt.amr.append(self.method)

    def proven(self, attempt: LoginAttempt) -> None:
        enrolment.finish(self.waiting)


class PasskeyDoor(Door):
    """``login/passkey/``: a discoverable passkey's answer (with user verification) alone."""

    name = "passkey"
    outcomes: ClassVar[Mapping[str, str]] = {"wrong": "failed", "succeeded": "succeeded"}

    def __init__(self, challenge_id: str, credential: dict):
        self.challenge_id, self.credential = challenge_id, credential

    def identify(self, attempt: LoginAttempt) -> None:
        self.ceremony = passkeys.take_ceremony(self.challenge_id)
        active = get_user_model()._default_manager.all()
        if any(f.name == "is_active" for f in get_user_model()._meta.concrete_fields):
            active = active.filter(is_active=True)
        self.candidates = Passkey.objects.filter(user__in=active)
        # A passkey's answers are limited at its owner's account like any other secret; an answer
        # from a passkey nobody has cannot be a guess at anyone's.
        owner = passkeys.owner(self.credential, self.candidates)
        attempt.subject = None if owner is None else Subject.of_user(owner)

    def verify(self, attempt: LoginAttempt) -> None:
        passkey = passkeys.authenticate(self.ceremony, self.credential, self.candidates)
        attempt.user = get_user_model()._default_manager.get(pk=passkey.user_id)
        attempt.amr.append(claims.PASSKEY)

    def guard_options(self, attempt: LoginAttempt) -> dict[str, Any]:
        return {"failed_event": AuthEvent.Kind.MFA_FAILED, "detail": "passkey login"}


class ReauthenticationDoor(Door):
    """``reauthenticate/``: the signed-in user proves a password, a code or a passkey again."""

    name = "reauthenticate"
    reauthenticates = True

    def __init__(self, data: Mapping[str, Any]):
        self.data = data

    def identify(self, attempt: LoginAttempt) -> None:
        attempt.user = attempt.request.user
        attempt.subject = Subject.of_user(attempt.user)
        if self.data.get("password") is None and self.data.get("code") is None:
            self.ceremony = passkeys.take_ceremony(self.data["challenge_id"])

    def verify(self, attempt: LoginAttempt) -> None:
        user, data = attempt.user, self.data
        if data.get("password") is not None:
            if not user.check_password(data["password"]):
                raise InvalidCredentialsError("wrong password")
            method = claims.PASSWORD
        elif data.get("code") is not None:
            method = factors.verify_code(user, data["code"])
        else:
            method = factors.verify_passkey(user, self.ceremony, data["credential"])
        attempt.amr.append(method)

    def guard_options(self, attempt: LoginAttempt) -> dict[str, Any]:
        if self.data.get("password") is not None:
            # A wrong one is a failed login of the account, recorded as one.
            return {"detail": "re-authentication"}
        return SECOND_FACTOR_EVENTS
