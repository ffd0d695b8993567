"""The OAuth 2 client side, through Authlib: the authorization URL (with PKCE S256), the code
exchange with the client's credentials, Apple's signed client secret, and GitHub's user API
(GitHub speaks OAuth 2, not OpenID Connect: no ID token, so no nonce or signature to check; the
identity is what its API answers over TLS to the token just received).
"""

from typing import Any

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.jwk import ECKey

from tokens.conf import token_settings
from tokens.core import clock
from tokens.exceptions import SocialError
from tokens.social import providers
from tokens.social.providers import GITHUB, Provider

APPLE_AUDIENCE = "https://appleid.apple.com"
# Seconds Apple's client secret (a JWT) is valid: it is made for each exchange.
APPLE_SECRET_LIFETIME = 300


def endpoints(provider: Provider) -> tuple[str, str]:
    """The authorization and token endpoints: GitHub's configured, any other's discovered."""
    if provider.kind == GITHUB:
        return (
            providers.require_https(provider.authorize_url),
            providers.require_https(provider.token_url),
        )
    document = providers.discovery(provider)
    return document["authorization_endpoint"], document["token_endpoint"]


def _auth_method(provider: Provider) -> str:
    if not provider.client_secret and not provider.private_key:
        # A public client: PKCE alone proves the exchange is this flow's.
        return "none"
    if provider.private_key or provider.kind == GITHUB:
        return "client_secret_post"
    supported = providers.discovery(provider).get(
        "token_endpoint_auth_methods_supported", ["client_secret_basic"]
    )
    return "client_secret_basic" if "client_secret_basic" in supported else "client_secret_post"


def client_secret(provider: Provider) -> str:
    """The client secret: Apple's an ES256 JWT signed with the team's key, any other's as set."""
    if not provider.private_key:
        return provider.client_secret
    now = clock.now()
    claims = {
        "iss": provider.team_id,
        "iat": now,
        "exp": now + APPLE_SECRET_LIFETIME,
        "aud": APPLE_AUDIENCE,
        "sub": provider.client_id,
    }
    key = ECKey.import_key(provider.private_key)
    return jwt.encode({"alg": "ES256", "kid": provider.key_id}, claims, key)


def _session(provider: Provider, redirect_uri: str) -> OAuth2Session:
    return OAuth2Session(
        client_id=provider.client_id,
        client_secret=client_secret(provider) if _auth_method(provider) != "none" else None,
        token_endpoint_auth_method=_auth_method(provider),
        scope=provider.scopes,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        default_timeout=token_settings.SOCIAL_HTTP_TIMEOUT,
    )


def authorization_url(
    provider: Provider, redirect_uri: str, state: str, nonce: str, verifier: str, **extra: str
) -> str:
    """Where the browser goes: ``response_type=code``, ``state``, ``nonce`` and the S256
    ``code_challenge`` of ``verifier`` (which stays here).
    """
    authorize, _ = endpoints(provider)
    session = OAuth2Session(
        client_id=provider.client_id,
        scope=provider.scopes,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
    )
    params = {**provider.authorize_params, **extra}
    if provider.kind != GITHUB:
        params["nonce"] = nonce
    url, _ = session.create_authorization_url(
        authorize, state=state, code_verifier=verifier, **params
    )
    return url


def exchange(provider: Provider, code: str, verifier: str, redirect_uri: str) -> dict[str, Any]:
    """The token endpoint's answer for ``code`` and the flow's ``verifier``."""
    _, token_url = endpoints(provider)
    try:
        with _session(provider, redirect_uri) as session:
            token = session.fetch_token(
                token_url,
                grant_type="authorization_code",
                code=code,
                code_verifier=verifier,
                headers={"Accept": "application/json"},
            )
    except (AuthlibBaseError, requests.RequestException, ValueError, KeyError) as exc:
        raise SocialError("social_provider_error", f"code exchange: {exc}") from None
    if not isinstance(token, dict) or "access_token" not in token:
        raise SocialError("social_provider_error", "code exchange: no access token")
    return dict(token)


def github_identity(provider: Provider, access_token: str) -> dict[str, Any]:
    """GitHub's user (its numeric id is the subject) and its primary verified address, if any."""
    api = provider.api_url.rstrip("/")
    headers = {
        "Authorization": f"Bearer {access_token}",
        "Accept": "application/vnd.github+json",
    }
    user = providers.fetch_json(f"{api}/user", headers=headers)
    if not isinstance(user, dict) or not isinstance(user.get("id"), int):
        raise SocialError("social_provider_error", "GitHub user without an id")
    emails = providers.fetch_json(f"{api}/user/emails", headers=headers)
    verified = [
        entry
        for entry in (emails if isinstance(emails, list) else [])
        if isinstance(entry, dict) and entry.get("verified") is True and entry.get("email")
    ]
    verified.sort(key=lambda entry: entry.get("primary") is not True)
    return {
        "issuer": provider.issuer,
        "subject": str(user["id"]),
        "email": str(verified[0]["email"]) if verified else "",
        "email_verified": bool(verified),
        "name": str(user.get("name") or user.get("login") or ""),
        "auth_time": None,
    }
