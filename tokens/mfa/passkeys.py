"""Passkeys (WebAuthn Level 3) through py_webauthn: registration, and assertions as a second factor
or as a login on their own.

A ceremony's challenge is kept in Redis (``tokens.store``) until it is answered, so any worker can
finish a ceremony another began, and it is taken when answered: a challenge is accepted once. The
options are in the JSON form the browser's ``PublicKeyCredential.parseCreationOptionsFromJSON`` and
``parseRequestOptionsFromJSON`` take, and answers in the form of ``PublicKeyCredential.toJSON()``.
"""

import json
import secrets
from collections.abc import Iterable, Mapping
from typing import Any

from django.db.models import QuerySet
from django.http.request import split_domain_port
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import (
    base64url_to_bytes,
    bytes_to_base64url,
    options_to_json_dict,
    parse_authentication_credential_json,
)
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from tokens.conf import token_settings
from tokens.core import clock
from tokens.exceptions import InvalidCodeError
from tokens.mfa.models import Passkey
from tokens.store import redis_keys, short_lived

# What a malformed answer can raise inside py_webauthn besides its own errors (bad base64, CBOR,
# missing keys): all of them mean a wrong answer, never a server error.
MALFORMED = (WebAuthnException, ValueError, TypeError, KeyError, IndexError, OverflowError)


def relying_party(request) -> tuple[str, list[str]]:
    """The relying party id and the origins answers may come from, for this request."""
    host, _port = split_domain_port(request.get_host())
    origins = list(token_settings.PASSKEY_ORIGINS) or [f"{request.scheme}://{request.get_host()}"]
    return token_settings.PASSKEY_RP_ID or host, origins


def _ceremony(request, challenge: bytes, **extra: Any) -> dict[str, Any]:
    rp_id, origins = relying_party(request)
    return {"challenge": bytes_to_base64url(challenge), "rp_id": rp_id, "origins": origins, **extra}


def _descriptors(passkeys: Iterable[Passkey]) -> list[PublicKeyCredentialDescriptor]:
    return [PublicKeyCredentialDescriptor(id=base64url_to_bytes(p.credential_id)) for p in passkeys]


def registration_options(request, user) -> dict[str, Any]:
    """Creation options for a new passkey of ``user``; its challenge waits in Redis.

    A user has one WebAuthn user handle, random, so an authenticator keeps one passkey per account
    and no handle says who the user is.
    """
    existing = list(Passkey.objects.filter(user_id=user.pk))
    handle = existing[0].user_handle if existing else bytes_to_base64url(secrets.token_bytes(32))
    rp_id, _origins = relying_party(request)
    options = generate_registration_options(
        rp_id=rp_id,
        rp_name=token_settings.PASSKEY_RP_NAME or rp_id,
        user_name=user.get_username(),
        user_id=base64url_to_bytes(handle),
        user_display_name=user.get_username(),
        timeout=token_settings.PASSKEY_CHALLENGE_LIFETIME * 1000,
        exclude_credentials=_descriptors(existing),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
    )
    short_lived.put(
        redis_keys.passkey_registration(user.pk),
        json.dumps(_ceremony(request, options.challenge, handle=handle)),
        token_settings.PASSKEY_CHALLENGE_LIFETIME,
    )
    return {"publicKey": options_to_json_dict(options)}


def register(user, credential: Mapping[str, Any], name: str) -> Passkey:
    """Verify the answer to the user's registration options and keep the new passkey."""
    waiting = short_lived.take(redis_keys.passkey_registration(user.pk))
    if waiting is None:
        raise InvalidCodeError("no passkey registration is under way")
    ceremony = json.loads(waiting)
    try:
        verified = verify_registration_response(
            credential=dict(credential),
            expected_challenge=base64url_to_bytes(ceremony["challenge"]),
            expected_rp_id=ceremony["rp_id"],
            expected_origin=ceremony["origins"],
        )
    except MALFORMED as exc:
        raise InvalidCodeError("the passkey registration could not be verified") from exc
    credential_id = bytes_to_base64url(verified.credential_id)
    if Passkey.objects.filter(credential_id=credential_id).exists():
        raise InvalidCodeError("this passkey is registered already")
    response = credential.get("response")
    transports = response.get("transports") if isinstance(response, dict) else None
    return Passkey.objects.create(
        user_id=user.pk,
        name=name,
        credential_id=credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        user_handle=ceremony["handle"],
        transports=[t for t in transports if isinstance(t, str)][:8]
        if isinstance(transports, list)
        else [],
    )


def request_options(
    request, passkeys: Iterable[Passkey] | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A new assertion ceremony, and its request options: for the given passkeys (a second factor,
    user verification preferred), or (None) for any discoverable one, user verification required.
    """
    discoverable = passkeys is None
    options = generate_authentication_options(
        rp_id=relying_party(request)[0],
        timeout=token_settings.PASSKEY_CHALLENGE_LIFETIME * 1000,
        allow_credentials=None if passkeys is None else _descriptors(passkeys),
        user_verification=UserVerificationRequirement.REQUIRED
        if discoverable
        else UserVerificationRequirement.PREFERRED,
    )
    ceremony = _ceremony(request, options.challenge, user_verification=discoverable)
    return ceremony, {"publicKey": options_to_json_dict(options)}


def start_login(request) -> dict[str, Any]:
    """``login/passkey/options/``: a ceremony for any discoverable passkey, kept under a new id."""
    ceremony, options = request_options(request, None)
    challenge_id = secrets.token_urlsafe(24)
    short_lived.put(
        redis_keys.passkey_challenge(challenge_id),
        json.dumps(ceremony),
        token_settings.PASSKEY_CHALLENGE_LIFETIME,
    )
    return {"challenge_id": challenge_id, **options}


def take_ceremony(challenge_id: str) -> dict[str, Any]:
    """The ceremony of ``challenge_id``, taken: answered once, whatever the answer."""
    waiting = short_lived.take(redis_keys.passkey_challenge(challenge_id))
    if waiting is None:
        raise InvalidCodeError("unknown, answered or expired passkey challenge")
    return json.loads(waiting)


def _answering(parsed, passkeys: QuerySet) -> Passkey | None:
    return passkeys.filter(credential_id=bytes_to_base64url(parsed.raw_id)).first()


def owner(credential: Mapping[str, Any], passkeys: QuerySet):
    """The user of the passkey among ``passkeys`` that an assertion names (before verifying it),
    or None: whose account a wrong answer is a guess at.
    """
    try:
        passkey = _answering(parse_authentication_credential_json(dict(credential)), passkeys)
    except MALFORMED:
        return None
    return passkey.user if passkey is not None else None


def authenticate(
    ceremony: Mapping[str, Any], credential: Mapping[str, Any], passkeys: QuerySet
) -> Passkey:
    """The passkey among ``passkeys`` whose assertion ``credential`` answers ``ceremony``; raises
    ``InvalidCodeError`` otherwise. Its signature counter and last use are recorded.
    """
    try:
        parsed = parse_authentication_credential_json(dict(credential))
        passkey = _answering(parsed, passkeys)
        if passkey is None:
            raise InvalidCodeError("unknown passkey")
        handle = parsed.response.user_handle
        if handle is not None and bytes_to_base64url(handle) != passkey.user_handle:
            raise InvalidCodeError("the passkey answered for another user")
        verified = verify_authentication_response(
            credential=parsed,
            expected_challenge=base64url_to_bytes(ceremony["challenge"]),
            expected_rp_id=ceremony["rp_id"],
            expected_origin=ceremony["origins"],
            credential_public_key=bytes(passkey.public_key),
            credential_current_sign_count=passkey.sign_count,
            require_user_verification=bool(ceremony.get("user_verification")),
        )
    except MALFORMED as exc:
        raise InvalidCodeError("the passkey answer could not be verified") from exc
    Passkey.objects.filter(pk=passkey.pk).update(
        sign_count=verified.new_sign_count, last_used_at=clock.to_datetime(clock.now())
    )
    return passkey
