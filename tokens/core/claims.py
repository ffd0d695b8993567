"""The claims a session carries: every token of it, access and refresh, holds them.

They are kept with the session, in its row (``Session.claims``) and in its Redis copy, and the
rotation statement returns them, so a refresh carries them forward without another read. They
change only when the user proves a credential again
(``tokens.core.rotation.reauthenticate``), and then name that proof alone.

``auth_time`` is when the user last proved a credential in the session, in seconds since the epoch;
``amr`` the methods of that proof (RFC 8176 section 2). The carrier is general: whatever
``session_claims`` returns rides in every token of the session, so claims of a project's own
(``tokens.adapter.DefaultAdapter.claims``) join there, and a token's own fields (``RESERVED``) are
never overridden by them.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from tokens.adapter import get_adapter  # layer: the project's hook, asked when used
from tokens.browser import binding

# RFC 8176 method references: a password, a one-time code (TOTP or recovery code), a passkey
# (hardware-secured key), and "mfa" once two of them were combined.
PASSWORD, ONE_TIME_CODE, PASSKEY, MULTIPLE_FACTORS = "pwd", "otp", "hwk", "mfa"

# The methods that are a second factor: a proof with one of them is as strong as any account.
SECOND_FACTORS = frozenset({ONE_TIME_CODE, PASSKEY})

AUTH_TIME, AMR = "auth_time", "amr"

# Claims a token's own fields decide; the carrier never overrides them.
RESERVED = frozenset(
    {"token_type", "sub", "sid", "jti", "iat", "exp", "nbf", "username", "iss", "aud"}
)

# Names the adapter's claims cannot set: the token's own, the session's proof, the token binding.
PROTECTED = RESERVED | {AUTH_TIME, AMR, binding.CLAIM}


def methods(*used: Iterable[str]) -> list[str]:
    """``amr``: the methods of one or more proofs, in order, without repeats, with ``mfa`` when
    two different ones were combined.
    """
    combined = [
        m for m in dict.fromkeys(m for group in used for m in group) if m != MULTIPLE_FACTORS
    ]
    if len(combined) > 1:
        combined.append(MULTIPLE_FACTORS)
    return combined


def session_claims(user, *, auth_time: int, amr: Iterable[str]) -> dict[str, Any]:
    """The claims of a session whose ``user`` proved the methods ``amr`` at ``auth_time``: the
    adapter's, then the proof's.
    """
    return {**hook_claims(user), AUTH_TIME: auth_time, AMR: methods(amr)}


def hook_claims(user) -> dict[str, Any]:
    """What the adapter's ``claims()`` adds for ``user``, protected names left out (system check
    ``tokens.E010`` names an adapter that returns them).
    """
    added = get_adapter().claims(user)
    return {name: value for name, value in added.items() if name not in PROTECTED}


def carried(claims: Mapping[str, Any]) -> dict[str, Any]:
    """The session's claims a token may carry: none of the token's own fields."""
    return {name: value for name, value in claims.items() if name not in RESERVED}
