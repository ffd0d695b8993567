"""A user's second factors: what is enrolled, enrolment and removal, codes, and the login step.

The one place combining the factor modules (``totp``, ``recovery_codes``, ``passkeys``) with the
auth event log, the owner's security mail and the short-lived login state in Redis.
"""

import hashlib
import json
import secrets
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext

from tokens.adapter import get_adapter
from tokens.conf import token_settings
from tokens.core import claims, clock
from tokens.core.events import record_event
from tokens.core.revocation import revoke_all
from tokens.exceptions import InvalidCodeError, TokenError
from tokens.mfa import passkeys, recovery_codes, totp
from tokens.mfa.models import Passkey, RecoveryCode, TotpFactor
from tokens.models import AuthEvent, Session
from tokens.store import redis_keys, short_lived
from tokens.throttling import Subject, guarded
from tokens.users import user_pk

Result = TypeVar("Result")

# The names of the methods a login waiting for its second factor may finish with (``methods``).
TOTP, RECOVERY_CODE, PASSKEY = "totp", "recovery_code", "passkey"


def active_totp(user) -> TotpFactor | None:
    return TotpFactor.objects.filter(user_id=user.pk).exclude(secret="").first()


def has_second_factor(user) -> bool:
    """Whether logging in as ``user`` needs a second factor: a confirmed TOTP or a passkey.

    One query, as every password login asks it; none, and never, with ``SECOND_FACTORS`` off.
    """
    if not token_settings.SECOND_FACTORS:
        return False
    totp_factors = TotpFactor.objects.filter(user=OuterRef("pk")).exclude(secret="")
    return (
        get_user_model()
        ._default_manager.filter(pk=user.pk)
        .filter(Exists(totp_factors) | Exists(Passkey.objects.filter(user=OuterRef("pk"))))
        .exists()
    )


def methods(user) -> list[str]:
    """The ways ``user`` can give a second factor now."""
    found = []
    if active_totp(user) is not None:
        found.append(TOTP)
    if recovery_codes.remaining(user):
        found.append(RECOVERY_CODE)
    if Passkey.objects.filter(user_id=user.pk).exists():
        found.append(PASSKEY)
    return found


def status(user) -> dict[str, Any]:
    """``GET mfa/``: what ``user`` has enrolled."""
    return {
        "totp": {"enabled": active_totp(user) is not None},
        "recovery_codes": {"remaining": recovery_codes.remaining(user)},
        "passkeys": list(
            Passkey.objects.filter(user_id=user.pk).values(
                "id", "name", "created_at", "last_used_at"
            )
        ),
    }


def verify_code(user, code: str) -> str:
    """Accept a TOTP code or a recovery code of ``user`` once; return its RFC 8176 method."""
    factor = active_totp(user) if len(code) == totp.DIGITS else None
    if factor is not None and totp.use(factor, code):
        return claims.ONE_TIME_CODE
    if recovery_codes.use(user, code):
        return claims.ONE_TIME_CODE
    raise InvalidCodeError("wrong or used code")


def check(request, user, verify: Callable[[], Result], detail: str = "") -> Result:
    """Run ``verify()`` (an RFC 8176 method, or ``InvalidCodeError``) under the account's limits on
    guessing (``ThrottledError`` while they hold); record the outcome as an auth event.
    """
    return guarded(
        request,
        Subject.of_user(user),
        verify,
        failed_event=AuthEvent.Kind.MFA_FAILED,
        succeeded_event=AuthEvent.Kind.MFA_SUCCEEDED,
        detail=detail,
    )


def verify_passkey(user, ceremony: dict, credential: dict) -> str:
    """Accept a passkey assertion of ``user`` for ``ceremony``; return its RFC 8176 method."""
    passkeys.authenticate(ceremony, credential, Passkey.objects.filter(user_id=user.pk))
    return claims.PASSKEY


# Enrolment and removal ------------------------------------------------------------------------


def _tell_owner(user, template: str, request, **context: Any) -> None:
    """The owner's security notice, sent once the change is committed."""
    transaction.on_commit(lambda: get_adapter().notify(user, template, context, request))


def begin_totp(request, user) -> dict[str, str]:
    """A new pending TOTP secret for ``user``, active once a code confirms it."""
    secret = totp.new_secret()
    TotpFactor.objects.update_or_create(user_id=user.pk, defaults={"pending_secret": secret})
    issuer = token_settings.TOTP_ISSUER or passkeys.relying_party(request)[0]
    uri = totp.provisioning_uri(secret, user.get_username(), issuer)
    return {"secret": secret, "otpauth_uri": uri, "qr_svg": totp.qr_svg(uri)}


def _first_factor_added(request, user) -> list[str]:
    """The first second factor of ``user``: end every other session (one opened with the password
    alone could take the factor away again), as a new password does; return the recovery codes.

    Enrolled by a login waiting for it (``tokens.mfa.enrolment``), the request has no session yet:
    every one of the user's ends, and the login opens the new one.
    """
    payload = getattr(request.auth, "payload", None)
    revoke_all(
        user,
        Session.RevokeReason.FACTOR_ADDED,
        keep_session_id=payload.get("sid") if isinstance(payload, dict) else None,
        request=request,
    )
    return recovery_codes.replace(user)


def confirm_totp(request, user, code: str) -> list[str] | None:
    """Make the pending secret active once ``code`` matches it; the first factor of a user also
    ends the user's other sessions and brings the recovery codes, returned (shown once).

    A wrong code counts as a wrong guess at the account (the prize of guessing here is the
    recovery codes); it is checked before the transaction, so its record is never rolled back.
    """

    def verify() -> tuple[str, int]:
        factor = TotpFactor.objects.filter(user_id=user.pk).exclude(pending_secret="").first()
        step = totp.matching_step(factor.pending_secret, code) if factor else None
        if factor is None or step is None:
            raise InvalidCodeError("the code does not match the new secret")
        return factor.pending_secret, step

    # Only a wrong code is an event: the right one is recorded as the factor added, below.
    pending, step = guarded(
        request,
        Subject.of_user(user),
        verify,
        failed_event=AuthEvent.Kind.MFA_FAILED,
        detail="TOTP enrolment",
    )
    with transaction.atomic():
        # The same pending secret still: not confirmed by a concurrent request, nor replaced.
        factor = (
            TotpFactor.objects.select_for_update()
            .filter(user_id=user.pk, pending_secret=pending)
            .first()
        )
        if factor is None:
            raise InvalidCodeError("the pending secret was confirmed or replaced meanwhile")
        first = not has_second_factor(user)
        factor.secret, factor.pending_secret = factor.pending_secret, ""
        factor.last_step, factor.confirmed_at = step, clock.to_datetime(clock.now())
        factor.save()
        codes = _first_factor_added(request, user) if first else None
        record_event(AuthEvent.Kind.FACTOR_ADDED, request, user, detail="TOTP")
        _tell_owner(user, "factor_added", request, factor=gettext("an authenticator app (TOTP)"))
    return codes


def _forget_codes_without_factor(user) -> None:
    """Recovery codes stand in for a factor: with none left they go too."""
    if not has_second_factor(user):
        RecoveryCode.objects.filter(user_id=user.pk).delete()


def remove_totp(request, user) -> None:
    with transaction.atomic():
        removed, _ = TotpFactor.objects.filter(user_id=user.pk).exclude(secret="").delete()
        TotpFactor.objects.filter(user_id=user.pk).delete()
        if removed:
            _forget_codes_without_factor(user)
            record_event(AuthEvent.Kind.FACTOR_REMOVED, request, user, detail="TOTP")
            _tell_owner(
                user, "factor_removed", request, factor=gettext("an authenticator app (TOTP)")
            )


def add_passkey(request, user, credential: dict, name: str) -> tuple[Passkey, list[str] | None]:
    """Keep the passkey that answers the user's registration options; the first factor of a user
    also ends the user's other sessions and brings the recovery codes.
    """
    with transaction.atomic():
        first = not has_second_factor(user)
        passkey = passkeys.register(user, credential, name)
        codes = _first_factor_added(request, user) if first else None
        record_event(AuthEvent.Kind.FACTOR_ADDED, request, user, detail=f"passkey {name}"[:200])
        _tell_owner(
            user, "factor_added", request, factor=gettext("a passkey (%(name)s)") % {"name": name}
        )
    return passkey, codes


def remove_passkey(request, user, passkey_id: int) -> bool:
    """Remove one of the user's passkeys; False when it has none of that id."""
    with transaction.atomic():
        passkey = Passkey.objects.filter(user_id=user.pk, pk=passkey_id).first()
        if passkey is None:
            return False
        passkey.delete()
        _forget_codes_without_factor(user)
        detail = f"passkey {passkey.name}"[:200]
        record_event(AuthEvent.Kind.FACTOR_REMOVED, request, user, detail=detail)
        _tell_owner(
            user,
            "factor_removed",
            request,
            factor=gettext("a passkey (%(name)s)") % {"name": passkey.name},
        )
    return True


def renew_recovery_codes(request, user) -> list[str] | None:
    """A new set of recovery codes for a user with a second factor (None without one)."""
    with transaction.atomic():
        if not has_second_factor(user):
            return None
        codes = recovery_codes.replace(user)
        record_event(AuthEvent.Kind.RECOVERY_CODES_RENEWED, request, user)
        _tell_owner(user, "recovery_codes_renewed", request)
    return codes


def remove_all(request, user) -> int:
    """Staff's removal of every second factor of ``user``: every session is revoked too, so no
    session outlives the factors it was proven with, and the event names the staff member who
    did it (``request.user``). Returns how many factors were removed.
    """
    staff = request.user
    with transaction.atomic():
        removed = (
            TotpFactor.objects.filter(user_id=user.pk).exclude(secret="").count()
            + Passkey.objects.filter(user_id=user.pk).count()
        )
        TotpFactor.objects.filter(user_id=user.pk).delete()
        Passkey.objects.filter(user_id=user.pk).delete()
        RecoveryCode.objects.filter(user_id=user.pk).delete()
        revoke_all(user, Session.RevokeReason.FACTORS_REMOVED, request=request)
        record_event(
            AuthEvent.Kind.FACTOR_REMOVED,
            request,
            user,
            detail=(
                f"every second factor ({removed} removed), by staff id {staff.pk} "
                f"({staff.get_username()})"
            )[:200],
        )
        if removed:
            _tell_owner(user, "factor_removed", request, factor=gettext("every second factor"))
    return removed


# The login step -------------------------------------------------------------------------------


def _digest(mfa_token: str) -> str:
    return hashlib.sha256(mfa_token.encode()).hexdigest()


def start_login(
    request, user, amr: Sequence[str] = (claims.PASSWORD,), provider: str = ""
) -> dict[str, Any]:
    """A login whose first proof (``amr``, a password or an outside ``provider``'s) was right,
    waiting for a second factor: the ``mfa_required`` body's ``mfa_token``, ``methods`` and, with
    passkeys, ``passkey_options``.

    Redis keeps the login under the token's digest (a copy of Redis holds no usable token).
    """
    mfa_token = secrets.token_urlsafe(32)
    waiting: dict[str, Any] = {"user": str(user.pk), "amr": list(amr)}
    if provider:
        # The session the second factor opens records where the login began.
        waiting["provider"] = provider
    body: dict[str, Any] = {"mfa_token": mfa_token, "methods": methods(user)}
    own = list(Passkey.objects.filter(user_id=user.pk))
    if own:
        waiting["ceremony"], body["passkey_options"] = passkeys.request_options(request, own)
    short_lived.put(
        redis_keys.mfa_token(_digest(mfa_token)),
        json.dumps(waiting),
        token_settings.MFA_TOKEN_LIFETIME,
    )
    return body


def pending_login(mfa_token: str) -> tuple[Any, dict[str, Any]]:
    """The user and state of a login waiting for its second factor; a wrong code leaves it there."""
    waiting = short_lived.peek(redis_keys.mfa_token(_digest(mfa_token)))
    if waiting is None:
        raise TokenError("unknown, spent or expired mfa_token")
    state = json.loads(waiting)
    user = get_user_model()._default_manager.filter(pk=user_pk(state["user"])).first()
    if user is None or not getattr(user, "is_active", True):
        raise TokenError("the mfa_token's user is gone")
    return user, state


def finish_login(mfa_token: str) -> None:
    """Spend the ``mfa_token`` of a login whose second factor was accepted: of two requests that
    both gave a right factor, one wins.
    """
    if short_lived.take(redis_keys.mfa_token(_digest(mfa_token))) is None:
        raise TokenError("the mfa_token was spent meanwhile")
