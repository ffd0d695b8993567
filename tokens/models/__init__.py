"""The tokens app's models, one module per concern.

Django finds an app's models by importing ``tokens.models``: every model is imported here for
that, and callers import models from here as from any app. The second factors' and the account
lifecycle's models are their apps' (``tokens.mfa.models``, ``tokens.lifecycle.models``).
"""

from tokens.models.admin_sessions import AdminSession
from tokens.models.events import AuthEvent
from tokens.models.outage_epoch import StoreEpoch
from tokens.models.sessions import Session

__all__ = [
    "AdminSession",
    "AuthEvent",
    "Session",
    "StoreEpoch",
]
