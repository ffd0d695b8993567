"""Access and refresh tokens: claims, a signing key per type, verification.

Built on djangorestframework-simplejwt's ``Token``; each class signs and verifies with its
own key (``get_token_backend``), so a token of one type never verifies as the other. Access
tokens use the key ring of ``tokens.core.signing_keys`` (a ``kid`` per key, HS256 or asymmetric);
refresh tokens one HS256 secret, since only this service reads them.
No HTTP and no Redis here.
"""

import re
from datetime import timedelta
from functools import lru_cache
from typing import Any, ClassVar

import jwt
from rest_framework_simplejwt.backends import TokenBackend
from rest_framework_simplejwt.exceptions import TokenError as SimpleJWTTokenError
from rest_framework_simplejwt.tokens import Token

from tokens.conf import token_settings
from tokens.core import clock, jws, signing_keys
from tokens.exceptions import TokenError, TokenExpiredError, TokenWrongTypeError

# A session id as the project writes it (``str(uuid4())``); a regular expression costs a fraction of
# building a UUID on every authenticated request.
_SESSION_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")

ACCESS = "access"
REFRESH = "refresh"


class SignatureBackend(TokenBackend):
    """simplejwt's backend, verifying signature and algorithm only.

    Expiry is checked by ``BaseToken.verify`` against ``clock.now()``, so time has a
    single seam; PyJWT's own ``exp``/``iat`` checks would read the wall clock.
    """

    def encode(self, payload: dict[str, Any]) -> str:
        # No audience or issuer is configured, so simplejwt's encode adds nothing to the claims.
        return jws.encode(payload, self.prepared_signing_key, self.algorithm)

    def decode(self, token, verify: bool = True) -> dict[str, Any]:
        return signing_keys.decode_signed(
            token, self.get_verifying_key(token), self.algorithm, verify
        )


@lru_cache(maxsize=16)
def _backend(algorithm: str, key: str) -> SignatureBackend:
    return SignatureBackend(algorithm, signing_key=key)


class BaseToken(Token):
    """A JWT of one type, signed with that type's own key."""

    signing_key_setting: str
    lifetime_setting: str
    required_claims: ClassVar[dict[str, type]] = {
        "sub": str,
        "sid": str,
        "jti": str,
        "iat": int,
        "exp": int,
    }
    # The session's live copy, set by whoever looked it up (``tokens.core.lookup.live_session``).
    session: Any = None

    @property
    def lifetime(self) -> timedelta:  # type: ignore[override]  # simplejwt's is a class attribute; ours is read when used
        return timedelta(seconds=getattr(token_settings, self.lifetime_setting))

    def get_token_backend(self) -> TokenBackend:
        return _backend(
            token_settings.REFRESH_ALGORITHM, getattr(token_settings, self.signing_key_setting)
        )

    def verify(self) -> None:
        """Check claims, type and expiry (``clock.now()``) after the signature was verified."""
        for claim, kind in self.required_claims.items():
            value = self.payload.get(claim)
            if not isinstance(value, kind) or isinstance(value, bool) or value == "":
                raise TokenError(f"claim {claim!r} is missing or malformed")
        if not _SESSION_ID.fullmatch(self.payload["sid"]):
            raise TokenError("claim 'sid' is not a session id")
        if self.payload.get("token_type") != self.token_type:
            # Signed with this type's key but claiming another type: forged, never genuine.
            raise TokenError("token type does not match its key")
        check_audience(self.payload)
        if self.payload["exp"] <= clock.now():
            raise TokenExpiredError("token expired")


class AccessToken(BaseToken):
    token_type = ACCESS
    lifetime_setting = "ACCESS_TOKEN_LIFETIME"
    required_claims: ClassVar[dict[str, type]] = {**BaseToken.required_claims, "username": str}

    def get_token_backend(self) -> signing_keys.KeyRingBackend:  # type: ignore[override]  # duck-typed: encode/decode
        """Sign with the active access key and a ``kid`` header; verify with the key that ``kid``
        names.
        """
        return signing_keys.keyring().backend


class RefreshToken(BaseToken):
    token_type = REFRESH
    signing_key_setting = "REFRESH_SIGNING_KEY"
    lifetime_setting = "REFRESH_TOKEN_LIFETIME"


TOKEN_CLASSES = {ACCESS: AccessToken, REFRESH: RefreshToken}


def decode(raw: str, expected_type: str) -> BaseToken:
    """Verify ``raw`` and return it as a token of ``expected_type``.

    A token is first verified with the key of the expected type (the common case, one
    signature check). Only when that fails does its unverified ``token_type`` pick the other
    key, so a genuine token of the other type is told apart (``token_wrong_type``) from a forged
    or damaged one (``token_invalid``).
    """
    try:
        return TOKEN_CLASSES[expected_type](raw)  # type: ignore[arg-type]  # simplejwt takes the encoded token
    except SimpleJWTTokenError:
        pass
    try:
        claimed_type = jwt.decode(raw, options={"verify_signature": False}).get("token_type")
    except (jwt.InvalidTokenError, AttributeError, TypeError, ValueError) as exc:
        raise TokenError("malformed token") from exc
    other_class = TOKEN_CLASSES.get(claimed_type) if isinstance(claimed_type, str) else None
    if other_class is None or claimed_type == expected_type:
        raise TokenError("bad signature, algorithm or type")
    try:
        other_class(raw)  # type: ignore[arg-type]  # as above
    except SimpleJWTTokenError as exc:
        raise TokenError("bad signature or algorithm") from exc
    raise TokenWrongTypeError(f"a {claimed_type} token where a {expected_type} token is needed")


def decode_either(raw: str) -> BaseToken:
    """Verify ``raw`` as whichever type it is, access or refresh (logout, RFC 7009, RFC 7662)."""
    try:
        return decode(raw, ACCESS)
    except TokenWrongTypeError:
        return decode(raw, REFRESH)


def audience_claims() -> dict[str, str]:
    """``iss`` and ``aud`` as the settings ``ISSUER`` and ``AUDIENCE`` name them (each if set)."""
    configured = {"iss": token_settings.ISSUER, "aud": token_settings.AUDIENCE}
    return {claim: value for claim, value in configured.items() if value}


def check_audience(payload: dict[str, Any]) -> None:
    """Refuse a token whose ``iss`` or ``aud`` is not the configured one (when one is configured).

    ``aud`` may be a list (RFC 7519 section 4.1.3): it must then name this audience.
    """
    for claim, expected in audience_claims().items():
        value = payload.get(claim)
        if value != expected and not (
            claim == "aud" and isinstance(value, list) and expected in value
        ):
            raise TokenError(f"claim {claim!r} is not {expected!r}")


def encode(token_class: type[BaseToken], claims: dict[str, Any]) -> str:
    """Sign a new token of ``token_class`` carrying exactly ``claims``, its type, and ``iss`` and
    ``aud`` when configured.
    """
    payload = {"token_type": token_class.token_type, **claims, **audience_claims()}
    # Signed by the type's backend without simplejwt's constructor, which would first build a
    # default payload (the time, twice, and a uuid4) for these claims to replace whole.
    return token_class.__new__(token_class).get_token_backend().encode(payload)
