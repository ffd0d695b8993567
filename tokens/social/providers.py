"""Outside identity providers as configuration: the presets, the project's settings over them, and
what each one publishes (its discovery document and its keys), fetched and kept for a while.

``TOKENS["SOCIAL_PROVIDERS"]`` maps a provider id to its keys: ``client_id``, ``client_secret``,
``issuer``, ``name``, ``scopes``, ``trust_email``, ``audiences``; Apple's ``team_id``, ``key_id``
and ``private_key``; and, to point a preset elsewhere (a test's server), ``discovery_url`` and
GitHub's ``authorize_url``, ``token_url`` and ``api_url``. An id that is not a preset is a generic
OpenID Connect provider and needs ``issuer``.

Discovery and keys are fetched with ``requests`` (what Authlib's client uses) under a short
timeout; never hand-parsed key material: joserfc imports the key set.
"""

import contextlib
import ipaddress
import threading
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

import requests
from django.core.signals import setting_changed
from joserfc.jwk import KeySet

from tokens.conf import token_settings
from tokens.core import clock
from tokens.exceptions import SocialError

OIDC, GITHUB = "oidc", "github"

# Microsoft's multi-tenant issuer: the ``iss`` of an ID token names the user's tenant (its ``tid``).
TENANT = "{tenantid}"
MICROSOFT = "https://login.microsoftonline.com"
MULTI_TENANT = ("common", "organizations", "consumers")

# Seconds before the keys are fetched again for an unknown ``kid``: a token naming keys that do not
# exist cannot make the server fetch on every request.
KEYS_REFETCH_INTERVAL = 60


@dataclass(frozen=True)
class Provider:
    """One provider that is on, its preset merged with the project's settings."""

    id: str
    name: str
    client_id: str = ""
    client_secret: str = ""
    # OpenID Connect by discovery, or GitHub's OAuth 2 and user API.
    kind: str = OIDC
    # What the discovery document and the ID tokens must name (with ``{tenantid}`` for Microsoft).
    issuer: str = ""
    discovery_url: str = ""
    scopes: str = "openid email profile"
    trust_email: bool = False
    # Extra ``aud`` values accepted from native apps (``login/social/token/``).
    audiences: tuple[str, ...] = ()
    # Extra parameters of the authorization request (Apple's ``response_mode=form_post``).
    authorize_params: dict[str, str] = field(default_factory=dict)
    # GitHub's endpoints.
    authorize_url: str = ""
    token_url: str = ""
    api_url: str = ""
    # Apple's client secret is a JWT signed with the team's key.
    team_id: str = ""
    key_id: str = ""
    private_key: str = ""

    def expected_issuer(self, claims: dict[str, Any] | None = None) -> str:
        """The ``iss`` an ID token with ``claims`` must carry: a tenant's own for Microsoft's
        multi-tenant issuer (from its ``tid``), else the configured issuer.
        """
        if TENANT not in self.issuer:
            return self.issuer
        tenant = (claims or {}).get("tid")
        if not isinstance(tenant, str) or not tenant or "/" in tenant:
            return ""
        return self.issuer.replace(TENANT, tenant)

    def accepts_issuer(self, value: str) -> bool:
        """Whether ``value`` (RFC 9207's ``iss`` parameter) names this provider's issuer."""
        if TENANT not in self.issuer:
            return value == self.issuer
        head, _, tail = self.issuer.partition(TENANT)
        tenant = value[len(head) : len(value) - len(tail)] if value.endswith(tail) else ""
        return value.startswith(head) and bool(tenant) and "/" not in tenant

    @property
    def audiences_accepted(self) -> tuple[str, ...]:
        return (self.client_id, *self.audiences)


PRESETS: dict[str, dict[str, Any]] = {
    "google": {
        "name": "Google",
        "issuer": "https://accounts.google.com",
        "trust_email": True,
    },
    "microsoft": {
        "name": "Microsoft",
        "issuer": f"{MICROSOFT}/common/v2.0",
        # Any tenant's administrator decides what its users' addresses say: never trusted alone.
        "trust_email": False,
    },
    "apple": {
        "name": "Apple",
        "issuer": "https://appleid.apple.com",
        "scopes": "openid email name",
        "trust_email": True,
        # Apple posts the answer (and the name, on the first consent only) back to the callback.
        "authorize_params": {"response_mode": "form_post"},
    },
    "github": {
        "name": "GitHub",
        "kind": GITHUB,
        "issuer": "https://github.com",
        "scopes": "read:user user:email",
        "trust_email": False,
        "authorize_url": "https://github.com/login/oauth/authorize",
        "token_url": "https://github.com/login/oauth/access_token",
        "api_url": "https://api.github.com",
    },
}

# Settings keys that are strings, as given.
_TEXT_KEYS = (
    "name",
    "client_id",
    "client_secret",
    "issuer",
    "discovery_url",
    "scopes",
    "authorize_url",
    "token_url",
    "api_url",
    "team_id",
    "key_id",
    "private_key",
)


def build(provider_id: str, config: dict[str, Any]) -> Provider:
    """The provider ``provider_id`` from its preset (if any) and ``config``."""
    # Keys in either case: {"CLIENT_ID": ...} reads as {"client_id": ...}.
    config = {str(key).lower(): value for key, value in config.items()}
    values: dict[str, Any] = {**PRESETS.get(provider_id, {"name": provider_id})}
    values.update({key: str(config[key]) for key in _TEXT_KEYS if config.get(key)})
    trust_email = config.get("trust_email")
    if trust_email is not None:
        # A security switch that fails closed: a text "false" (or anything but true) is off.
        values["trust_email"] = trust_email is True or str(trust_email).strip().lower() == "true"
    audiences = config.get("audiences") or ()
    if isinstance(audiences, str):
        # As the environment gives them: ids, comma separated (never each character an aud).
        audiences = audiences.split(",")
    values["audiences"] = tuple(str(aud).strip() for aud in audiences if str(aud).strip())
    provider = Provider(id=provider_id, **values)
    if provider.kind == OIDC:
        # Compared exactly as configured (a trailing slash too); the document's URL is made
        # without a doubled slash (OpenID Connect Discovery 1.0, section 4).
        issuer = provider.issuer
        base = issuer.rstrip("/")
        discovery = provider.discovery_url or f"{base}/.well-known/openid-configuration"
        # Microsoft's multi-tenant documents name the tenant template, not "common".
        tenant = issuer.removeprefix(f"{MICROSOFT}/").partition("/")[0]
        if provider_id == "microsoft" and issuer.startswith(MICROSOFT) and tenant in MULTI_TENANT:
            issuer = f"{MICROSOFT}/{TENANT}/v2.0"
        provider = replace(provider, issuer=issuer, discovery_url=discovery)
    return provider


def configured() -> dict[str, Provider]:
    """Every provider that is on, by id, in the order of the setting."""
    return {
        provider_id: build(provider_id, config or {})
        for provider_id, config in token_settings.SOCIAL_PROVIDERS.items()
    }


def get(provider_id: str) -> Provider | None:
    """The provider ``provider_id`` if it is on."""
    config = token_settings.SOCIAL_PROVIDERS.get(provider_id)
    return None if config is None else build(provider_id, config or {})


def display_name(provider_id: str) -> str:
    """What a person reads for the provider ``provider_id``: its configured name, its preset's
    once it is off (a session it opened outlives it), else the id itself.
    """
    config = token_settings.SOCIAL_PROVIDERS.get(provider_id)
    if config is not None:
        return build(provider_id, config or {}).name
    return str(PRESETS.get(provider_id, {}).get("name") or provider_id)


def require_https(url: str) -> str:
    """``url`` when it is https, or http on a loopback address (development and tests)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme == "https" and host:
        return url
    loopback = host == "localhost"
    with contextlib.suppress(ValueError):
        loopback = loopback or ipaddress.ip_address(host).is_loopback
    if parts.scheme == "http" and loopback:
        return url
    raise SocialError("social_provider_error", f"not https: {url}")


def fetch_json(url: str, **kwargs: Any) -> Any:
    """The JSON at ``url`` (https, or loopback http), within the timeout; any failure is the
    provider's error.
    """
    try:
        response = requests.get(
            require_https(url), timeout=token_settings.SOCIAL_HTTP_TIMEOUT, **kwargs
        )
        response.raise_for_status()
        return response.json()
    except (requests.RequestException, ValueError) as exc:
        raise SocialError("social_provider_error", f"{url}: {exc}") from None


# The documents and key sets fetched, by URL: (when fetched, what).
_documents: dict[str, tuple[float, dict]] = {}
_key_sets: dict[str, tuple[float, KeySet]] = {}
_lock = threading.Lock()


def discovery(provider: Provider) -> dict[str, Any]:
    """The provider's discovery document, fetched at most once per ``SOCIAL_CACHE_LIFETIME``; one
    that names another issuer than the configured one is never used (mix-up defence).
    """
    url = provider.discovery_url
    with _lock:
        kept = _documents.get(url)
    if kept is not None and clock.time() - kept[0] < token_settings.SOCIAL_CACHE_LIFETIME:
        document = kept[1]
    else:
        document = fetch_json(url)
        if not isinstance(document, dict):
            raise SocialError("social_provider_error", "discovery document is no object")
        with _lock:
            _documents[url] = (clock.time(), document)
    if document.get("issuer") != provider.issuer:
        raise SocialError("social_provider_error", "discovery names another issuer")
    for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        if not isinstance(document.get(name), str):
            raise SocialError("social_provider_error", f"discovery lacks {name}")
        require_https(document[name])
    return document


def key_set(provider: Provider, kid: str | None) -> KeySet:
    """The provider's keys, fetched again when ``kid`` is not among them (a rotation), at most
    once a minute, and once per ``SOCIAL_CACHE_LIFETIME`` anyway.
    """
    url = discovery(provider)["jwks_uri"]
    with _lock:
        kept = _key_sets.get(url)
    now = clock.time()
    if kept is not None:
        fetched_at, keys = kept
        known = kid is None or any(key.kid == kid for key in keys)
        fresh = now - fetched_at < token_settings.SOCIAL_CACHE_LIFETIME
        if (known and fresh) or now - fetched_at < KEYS_REFETCH_INTERVAL:
            return keys
    try:
        keys = KeySet.import_key_set(fetch_json(url))
    except SocialError:
        raise
    except Exception as exc:  # joserfc refuses a malformed set with several error types
        raise SocialError("social_provider_error", f"key set: {exc}") from None
    with _lock:
        _key_sets[url] = (now, keys)
    return keys


def forget() -> None:
    """Forget every document and key set fetched (tests; a provider's configuration changed)."""
    with _lock:
        _documents.clear()
        _key_sets.clear()


def _settings_changed(*, setting: str, **kwargs: Any) -> None:
    if setting == "TOKENS":
        forget()


setting_changed.connect(_settings_changed, dispatch_uid="tokens.social.providers")
