"""The social flows from start to callback: where the browser goes, and what its return means.

The callback trusts nothing before the ``state`` is this browser's (``tokens.social.flow``); then
the provider's answer, the code exchange and every check of the ID token, then the linking rules
(``tokens.social.accounts``). Its outcome is a URL: ``next`` with ``#code=``, ``#linked=`` or
``#error=``.
"""

import json
import logging
from typing import Any

from django.contrib.auth import get_user_model

from tokens.core.events import record_event
from tokens.exceptions import SocialError, TokenError
from tokens.models import AuthEvent
from tokens.operations import metrics
from tokens.social import accounts, client, flow, idtokens
from tokens.social.providers import GITHUB, Provider

logger = logging.getLogger("tokens.social")

LOGIN, LINK, REAUTH = "login", "link", "reauth"


def start(
    request, provider: Provider, purpose: str, next_url: str | None, **extra: Any
) -> tuple[str, str]:
    """The provider's authorization URL for a new flow, and the browser secret for its cookie."""
    target = flow.allowed_next(next_url)
    # Discovery first: a provider whose document cannot be used starts no flow.
    client.endpoints(provider)
    record = flow.begin(request, provider.id, purpose, target, **extra)
    params = {"prompt": "login", "max_age": "0"} if purpose == REAUTH else {}
    url = client.authorization_url(
        provider,
        flow.callback_url(provider.id),
        record["state"],
        record["nonce"],
        record["verifier"],
        **params,
    )
    return url, record["secret"]


def callback(request, provider: Provider, params: dict[str, Any]) -> str:
    """Where the browser goes after the provider: ``next`` with the outcome in its fragment.
    ``SocialError("social_state_invalid")`` when the state is not to be trusted (no ``next``).
    """
    try:
        record = flow.take(request, provider.id, params.get("state"))
    except SocialError as exc:
        # A forged, replayed or other browser's state (a login CSRF) is seen like any refusal.
        _refused(request, provider, "", exc)
        raise
    try:
        fragment = _finish(request, provider, record, params)
    except SocialError as exc:
        _refused(request, provider, record["purpose"], exc)
        return flow.with_fragment(record["next"], error=exc.code)
    return flow.with_fragment(record["next"], **fragment)


def _refused(request, provider: Provider, purpose: str, exc: SocialError) -> None:
    """A refused callback in the metric, the INFO log (the reason) and the auth events (a failed
    login naming the provider, the flow's purpose when the state was trusted, and the code).
    """
    flow_name = f"{provider.id} {purpose}" if purpose else provider.id
    logger.info("social %s refused: %s", flow_name, exc)
    outcome = "refused" if exc.code == "social_provider_error" else exc.code.removeprefix("social_")
    metrics.SOCIAL.labels(provider.id, outcome).inc()
    record_event(AuthEvent.Kind.LOGIN_FAILED, request, detail=f"social {flow_name}: {exc.code}")


def _finish(request, provider: Provider, record: dict, params: dict[str, Any]) -> dict[str, str]:
    if params.get("error") or not isinstance(params.get("code"), str) or not params["code"]:
        raise SocialError("social_provider_error", f"provider answered {params.get('error')!r}")
    # RFC 9207: an answer naming another issuer came from another provider (mix-up).
    if params.get("iss") is not None and not provider.accepts_issuer(str(params["iss"])):
        raise SocialError("social_provider_error", "iss parameter names another issuer")
    identity = identify(provider, record, params)
    if record["purpose"] == LINK:
        user = _flow_user(record)
        linked = accounts.link(request, provider, identity, user)
        return {"linked": linked.provider}
    if record["purpose"] == REAUTH:
        user = _flow_user(record)
        known = accounts.find(identity)
        if known is None or known.user_id != user.pk:
            raise SocialError("social_provider_error", "not an identity of this account")
        auth_time = identity["auth_time"]
        if auth_time is None or auth_time < record["started"]:
            raise SocialError("social_provider_error", "auth_time before the flow started")
        code = flow.issue_code(
            record, purpose=REAUTH, user=str(user.pk), sid=record["sid"], provider=provider.id
        )
        return {"code": code}
    row = accounts.account_for_login(request, provider, identity)
    code = flow.issue_code(record, purpose=LOGIN, user=str(row.user_id), provider=provider.id)
    return {"code": code}


def identify(provider: Provider, record: dict, params: dict[str, Any]) -> dict[str, Any]:
    """The identity the provider vouches for: from a checked ID token, or GitHub's user API."""
    token = client.exchange(
        provider, params["code"], record["verifier"], flow.callback_url(provider.id)
    )
    if provider.kind == GITHUB:
        return client.github_identity(provider, token["access_token"])
    id_token = token.get("id_token")
    if not isinstance(id_token, str):
        raise SocialError("social_provider_error", "no ID token")
    claims = idtokens.verify(
        provider,
        id_token,
        issued_after=record["started"],
        nonce_ok=lambda nonce: isinstance(nonce, str) and idtokens.equal(nonce, record["nonce"]),
    )
    return idtokens.identity(provider, claims, _apple_name(params))


# Longest ``user`` field of Apple's form post read: a name, and a deeper or longer text is no name.
MAX_APPLE_USER_LENGTH = 2000


def _apple_name(params: dict[str, Any]) -> str:
    """The name Apple posts (``user``, JSON text) on the first consent only: not in the ID token."""
    text = params.get("user")
    if not isinstance(text, str) or len(text) > MAX_APPLE_USER_LENGTH:
        return ""
    try:
        user = json.loads(text)
    except (ValueError, RecursionError):
        return ""
    name = user.get("name") if isinstance(user, dict) else None
    if not isinstance(name, dict):
        return ""
    return " ".join(str(name.get(part) or "") for part in ("firstName", "lastName")).strip()


def _flow_user(record: dict):
    user = get_user_model()._default_manager.filter(pk=record["user"]).first()
    if user is None or not getattr(user, "is_active", True):
        raise SocialError("social_provider_error", "the account that started the flow is gone")
    return user


def native_account(request, provider: Provider, id_token: str, nonce: str):
    """The linked identity a native app's ID token logs in with; a token or nonce that fails a
    check is ``TokenError`` (401 ``token_invalid``), a refusal of the linking rules their code.
    Every refusal is counted and logged as at the callback.
    """
    try:
        identity = native_identity(provider, id_token, nonce)
    except SocialError as exc:
        _refused(request, provider, "native", exc)
        raise TokenError("social ID token refused") from exc
    try:
        return accounts.account_for_login(request, provider, identity)
    except SocialError as exc:
        _refused(request, provider, "native", exc)
        raise


def native_identity(provider: Provider, id_token: str, nonce: str) -> dict[str, Any]:
    """The identity of an ID token a native app got itself: checked as at the callback, with the
    app's audiences, and a nonce of ``login/social/nonce/`` (or its SHA-256, as Apple's SDK puts
    it) that is spent now.
    """
    issued = flow.spend_nonce(nonce)
    if issued is None:
        raise SocialError("social_provider_error", "unknown or used nonce")
    expected = (nonce, idtokens.nonce_digest(nonce))
    claims = idtokens.verify(
        provider,
        id_token,
        nonce_ok=lambda value: (
            isinstance(value, str) and any(idtokens.equal(value, e) for e in expected)
        ),
        audiences=provider.audiences_accepted,
        issued_after=issued,
    )
    return idtokens.identity(provider, claims)
