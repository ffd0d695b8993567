"""The checks of an ID token (OpenID Connect Core 1.0, section 3.1.3.7): joserfc verifies the
signature with a key of the provider's set, Authlib's ``CodeIDToken`` the claims.

Every failure is ``SocialError("social_provider_error")``; nothing of the token is used before all
checks pass.
"""

import hashlib
import hmac
from collections.abc import Callable
from typing import Any

from authlib.oidc.core import CodeIDToken
from joserfc import jws, jwt
from joserfc.errors import JoseError

from tokens.core import clock
from tokens.exceptions import SocialError
from tokens.social import providers
from tokens.social.providers import Provider

# Seconds of clock skew allowed on ``exp``, ``iat`` and ``nbf``.
LEEWAY = 60

# Never accepted, whatever a provider announces: no signature, or a secret the client shares (the
# client secret would then sign tokens, RFC 8725 section 3.1).
REFUSED_ALGORITHMS = frozenset({"none", "HS256", "HS384", "HS512"})


def _refuse(reason: str) -> SocialError:
    return SocialError("social_provider_error", f"ID token: {reason}")


def nonce_digest(nonce: str) -> str:
    """The SHA-256 hex digest of ``nonce``, which Apple's native SDK puts in the token instead."""
    return hashlib.sha256(nonce.encode()).hexdigest()


def equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def verify(
    provider: Provider,
    id_token: str,
    *,
    nonce_ok: Callable[[Any], bool],
    audiences: tuple[str, ...] | None = None,
    issued_after: int | None = None,
) -> dict[str, Any]:
    """The claims of ``id_token`` once every check passed: signature, ``alg``, ``iss``, ``aud``
    (``audiences``, default the client id) and ``azp``, ``exp`` (no leeway), ``iat`` (not in the
    future, nor before ``issued_after``, when the flow or its nonce began, beyond a minute of clock
    skew), and ``nonce_ok(nonce)``.
    """
    audiences = audiences or (provider.client_id,)
    try:
        header = jws.extract_compact(id_token.encode()).headers()
    except (JoseError, ValueError, UnicodeError):
        raise _refuse("malformed") from None
    # joserfc asks only that "alg" be in the header: a JSON list or string naming it passes.
    if not isinstance(header, dict):
        raise _refuse("malformed header")
    alg = header.get("alg")
    announced = providers.discovery(provider).get(
        "id_token_signing_alg_values_supported", ["RS256"]
    )
    if not isinstance(alg, str) or alg in REFUSED_ALGORITHMS or alg not in announced:
        raise _refuse(f"alg {alg!r} refused")
    kid = header.get("kid") if isinstance(header.get("kid"), str) else None
    keys = providers.key_set(provider, kid)
    if kid is not None and not any(key.kid == kid for key in keys):
        raise _refuse("unknown kid")
    token = _decode(id_token, keys, kid, alg)
    claims = dict(token.claims)
    expected_issuer = provider.expected_issuer(claims)
    if not expected_issuer:
        raise _refuse("no tenant")
    checked = CodeIDToken(
        claims,
        token.header,
        options={
            "iss": {"essential": True, "value": expected_issuer},
            "aud": {"essential": True, "values": list(audiences)},
            "sub": {"essential": True},
            "iat": {"essential": True},
            "exp": {"essential": True},
        },
    )
    try:
        checked.validate(now=clock.now(), leeway=LEEWAY)
    except (JoseError, ValueError, TypeError) as exc:
        raise _refuse(str(exc)) from None
    _check_audience(claims, audiences)
    now = clock.now()
    # No leeway on expiry: a token a minute past its exp is expired, whatever the clocks say.
    if claims["exp"] <= now:
        raise _refuse("expired")
    # A token issued before its flow (or nonce) began was made for another request.
    if issued_after is not None and claims["iat"] < issued_after - LEEWAY:
        raise _refuse("issued before the flow began")
    if not isinstance(claims.get("sub"), str) or not claims["sub"]:
        raise _refuse("no sub")
    if not nonce_ok(claims.get("nonce")):
        raise _refuse("nonce")
    return claims


# The key type each family of algorithms needs (RFC 7518 section 3.1, RFC 8037).
_KEY_TYPES = {"RS": "RSA", "PS": "RSA", "ES": "EC", "Ed": "OKP"}


def _decode(id_token: str, keys: Any, kid: str | None, alg: str) -> Any:
    """The verified token: by the key ``kid`` names, or without a ``kid`` (a provider with one
    key may leave it out) by any signing key of the type ``alg`` needs.
    """
    candidates = (
        [keys]
        if kid is not None
        else [
            key
            for key in keys
            if key.key_type == _KEY_TYPES.get(alg[:2]) and key.get("use", "sig") == "sig"
        ]
    )
    for candidate in candidates:
        try:
            return jwt.decode(id_token, candidate, algorithms=[alg])
        except (JoseError, ValueError, TypeError):
            continue
    raise _refuse("bad signature")


def _check_audience(claims: dict[str, Any], audiences: tuple[str, ...]) -> None:
    """Several audiences need an ``azp`` that is this client; an ``azp`` must be this client."""
    aud = claims.get("aud")
    several = isinstance(aud, list) and len(aud) > 1
    azp = claims.get("azp")
    if several and azp is None:
        raise _refuse("several audiences without azp")
    if azp is not None and azp not in audiences:
        raise _refuse("azp is another client")


def identity(provider: Provider, claims: dict[str, Any], extra_name: str = "") -> dict[str, Any]:
    """What the linking rules read of a checked ID token."""
    verified = claims.get("email_verified")
    # Apple sends the booleans as strings.
    verified = verified is True or (isinstance(verified, str) and verified.lower() == "true")
    auth_time = claims.get("auth_time")
    return {
        "issuer": claims["iss"],
        "subject": claims["sub"],
        "email": claims["email"] if isinstance(claims.get("email"), str) else "",
        "email_verified": verified,
        "name": claims["name"] if isinstance(claims.get("name"), str) else extra_name,
        "auth_time": auth_time if isinstance(auth_time, int | float) else None,
    }
