"""Logins as ordered stages: every door (``login/``, ``login/mfa/``, ``login/passkey/``,
``reauthenticate/``, the Django admin's form) runs one ``LoginAttempt`` through the stages of
``TOKENS["LOGIN_STAGES"]`` (docs/extending.md).
"""

from tokens.flows.attempt import LoginAttempt
from tokens.flows.doors import (
    Door,
    EnrolmentDoor,
    PasskeyDoor,
    PasswordDoor,
    ReauthenticationDoor,
    SecondFactorDoor,
)
from tokens.flows.pipeline import login, run
from tokens.flows.stages import (
    AccountStateStage,
    CheckSecretStage,
    EnrolmentStage,
    IdentifyStage,
    LoginStage,
    OpenSessionStage,
    RespondStage,
    SecondFactorStage,
)

__all__ = [
    "AccountStateStage",
    "CheckSecretStage",
    "Door",
    "EnrolmentDoor",
    "EnrolmentStage",
    "IdentifyStage",
    "LoginAttempt",
    "LoginStage",
    "OpenSessionStage",
    "PasskeyDoor",
    "PasswordDoor",
    "ReauthenticationDoor",
    "RespondStage",
    "SecondFactorDoor",
    "SecondFactorStage",
    "login",
    "run",
]
