"""The tokens app's models, one module per concern.

Django finds an app's models by importing ``tokens.models``: every model is imported here for
that, and callers import models from here as from any app.
"""

from tokens.models.admin_sessions import AdminSession
from tokens.models.events import AuthEvent
from tokens.models.lifecycle import EmailVerification, PasswordResetStamp
from tokens.models.outage_epoch import StoreEpoch
from tokens.models.second_factors import Passkey, RecoveryCode, SecondFactorRecord, TotpFactor
from tokens.models.sessions import Session

__all__ = [
    "AdminSession",
    "AuthEvent",
    "EmailVerification",
    "Passkey",
    "PasswordResetStamp",
    "RecoveryCode",
    "SecondFactorRecord",
    "Session",
    "StoreEpoch",
    "TotpFactor",
]
