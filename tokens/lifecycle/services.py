"""The account lifecycle's work: sign-up, verification, password reset and e-mail change.

Answers must not tell whether an address has an account, by their content or by their time,
so each request that names an address does the same work on both paths: a password is hashed
on both paths of a sign-up, and every path renders one mail for the address and sends it (a
verification or reset link to an account, a note to an address that has none or already has
one), counted against the per-address limit in the same way.
"""

from collections.abc import Callable
from functools import partial
from urllib.parse import quote, urlsplit

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext

from tokens.adapter import get_adapter
from tokens.conf import token_settings
from tokens.core import clock
from tokens.core.events import record_event
from tokens.core.revocation import revoke_all
from tokens.exceptions import EmailUnverifiedError, InvalidKeyError
from tokens.lifecycle import keys, mail, throttling
from tokens.lifecycle.models import EmailVerification
from tokens.models import AuthEvent, Session

# The values of the EMAIL_VERIFICATION setting.
MANDATORY, OPTIONAL, NONE = "mandatory", "optional", "none"
VERIFICATION_MODES = (MANDATORY, OPTIONAL, NONE)


def email_field() -> str:
    return get_user_model().get_email_field_name()


def address_of(user) -> str:
    return getattr(user, email_field(), "") or ""


def normalize(address: str) -> str:
    """An address as stored: Django's normalization (the domain lower-cased), outer blanks off."""
    return BaseUserManager.normalize_email(address.strip())


def users_with_address(address: str, exclude_pk=None):
    """The users whose address is ``address``, regardless of case."""
    users = get_user_model()._default_manager.filter(**{f"{email_field()}__iexact": address})
    return users if exclude_pk is None else users.exclude(pk=exclude_pk)


def link(setting: str, key: str) -> str:
    """The link of a mail: the setting's template with the key, after ``SITE_URL`` unless the
    template is absolute. Never from the request: its Host header is the client's to choose.
    """
    url = getattr(token_settings, setting).replace("{key}", quote(key, safe=""))
    if urlsplit(url).scheme:
        return url
    return f"{token_settings.SITE_URL.rstrip('/')}/{url.lstrip('/')}"


def send_limited(
    template: str, to: str, context: dict, before: Callable[[], None] | None = None
) -> bool:
    """Render a mail and send it unless ``to`` has had its share this window (rendered either
    way, so both outcomes take the same time). Returns whether it was sent. ``before`` runs once
    the mail is to go, before it goes: what the mail's link needs is saved first.
    """
    if not throttling.address_allows(to):
        mail.render(template, to, context)
        return False
    if before is not None:
        before()
    get_adapter().send_mail(template, to, context)
    return True


def is_verified(user) -> bool:
    """Whether the user's address counts as verified: only a sign-up not yet confirmed does not."""
    return not EmailVerification.objects.filter(
        user_id=user.pk, purpose=EmailVerification.Purpose.SIGNUP
    ).exists()


def may_log_in(user) -> bool:
    """Whether ``check_may_log_in`` lets ``user`` in."""
    try:
        check_may_log_in(user)
    except EmailUnverifiedError:
        return False
    return True


def check_may_log_in(user) -> None:
    """Raise EmailUnverifiedError when verification is mandatory and the user's is pending (never
    with ``ACCOUNTS`` off: no sign-up is pending then, and nothing is asked of the database).
    """
    if not token_settings.ACCOUNTS:
        return
    if token_settings.EMAIL_VERIFICATION == MANDATORY and not is_verified(user):
        raise EmailUnverifiedError("address not verified")


def _verification_context(user, row_id, purpose: str) -> dict:
    return {
        "user": user,
        "username": user.get_username(),
        "link": link("EMAIL_VERIFY_URL", keys.verification_key(row_id, purpose)),
        "lifetime_hours": max(token_settings.EMAIL_VERIFICATION_KEY_LIFETIME // 3600, 1),
    }


def _account_with_address(address: str):
    """The account with this address, if any, with ``pending_signup``: the id of its sign-up
    verification row, or None. One query, whatever the answer, so no answer is slower.
    """
    rows = EmailVerification.objects.filter(
        user=OuterRef("pk"), purpose=EmailVerification.Purpose.SIGNUP
    )
    return (
        users_with_address(address)
        .annotate(
            pending_signup=Subquery(rows.values("pk")[:1]),
            pending_email=Subquery(rows.values("email")[:1]),
        )
        .first()
    )


def register(request, address: str, password: str, username: str | None = None) -> None:
    """Make an account and mail its verification link; for a taken address, mail its owner.

    The caller has validated the fields (the password against Django's validators).
    """
    address = normalize(address)
    existing = _account_with_address(address)
    if existing is None:
        try:
            _create_account(request, address, password, username)
            return
        except IntegrityError:
            # The address was taken between the look-up and the insert: the other request won.
            existing = _account_with_address(address)
    # The same work as a new account: a password hashed, one mail rendered and sent.
    make_password(password)
    # Translators: completes "someone (perhaps you) asked …" in the mail to an address that has
    # an account.
    _mail_existing(request, existing, address, gettext("to sign up with this address"))


def _mail_existing(request, user, address: str, action: str) -> None:
    """A new verification link to an account still waiting for one, else a note to its owner."""
    if user is not None and user.pending_signup is not None:
        row_id, current = user.pending_signup, address_of(user)
        if user.pending_email.lower() != current.lower():
            # The address was changed since the sign-up (staff corrected it): a new row for the
            # new address, so keys mailed to the old one stay dead.
            with transaction.atomic():
                EmailVerification.objects.filter(pk=row_id).delete()
                row_id = EmailVerification.objects.create(
                    user_id=user.pk, purpose=EmailVerification.Purpose.SIGNUP, email=current
                ).pk
        context = _verification_context(user, row_id, EmailVerification.Purpose.SIGNUP)
        send_limited("verify_email", current, context)
    else:
        send_limited("account_exists", address, {"action": action})


def _create_account(request, address: str, password: str, username: str | None) -> None:
    model = get_user_model()
    fields = {email_field(): address}
    if username is not None:
        fields[model.USERNAME_FIELD] = model.normalize_username(username)
    user = model(**fields)
    user.set_password(password)
    with transaction.atomic():
        user.save()
        record_event(AuthEvent.Kind.SIGNED_UP, request, user)
        if token_settings.EMAIL_VERIFICATION == NONE:
            verification = None
        else:
            verification = EmailVerification.objects.create(
                user=user, purpose=EmailVerification.Purpose.SIGNUP, email=address
            )
    if verification is None:
        send_limited("welcome", address, {"user": user, "username": user.get_username()})
    else:
        context = _verification_context(user, verification.pk, verification.purpose)
        send_limited("verify_email", address, context)


def resend_verification(request, address: str) -> None:
    """Mail a new verification link to an account waiting for one; anyone else gets a note."""
    address = normalize(address)
    user = _account_with_address(address)
    if user is None:
        # Translators: completes "someone (perhaps you) asked for …" in the mail to an address
        # no account uses.
        send_limited("unknown_account", address, {"action": gettext("a new confirmation link")})
    else:
        _mail_existing(request, user, address, gettext("for a new confirmation link"))


def request_password_reset(request, address: str) -> None:
    """Mail a reset link to each active account with this address (and a usable password);
    an address without one gets a note.
    """
    address = normalize(address)
    users = [user for user in users_with_address(address).order_by("pk") if can_reset(user)]
    record_event(
        AuthEvent.Kind.PASSWORD_RESET_REQUESTED,
        request,
        users[0] if users else None,
        username=address[:254],
    )
    if not users:
        send_limited("unknown_account", address, {"action": gettext("a password reset")})
    for user in users:
        # The new key kills the older ones only when it is mailed (past the per-address limit
        # nobody else's request can take the owner's last key away), and is kept before the mail
        # goes: a link in a mail always names the key that works.
        stamp = keys.new_reset_stamp()
        send_limited(
            "password_reset",
            address_of(user),
            _reset_context(user, stamp),
            before=partial(keys.keep_reset_stamp, user, stamp),
        )


def can_reset(user) -> bool:
    """Whether a reset link may be mailed to ``user``: active, with an address and a password."""
    return (
        getattr(user, "is_active", True) and bool(address_of(user)) and user.has_usable_password()
    )


def mail_reset_link(request, user) -> None:
    """Mail a reset link to ``user`` now: staff chose to, so the per-address limit is not asked."""
    record_event(AuthEvent.Kind.PASSWORD_RESET_REQUESTED, request, user, detail="sent by staff")
    stamp = keys.new_reset_stamp()
    keys.keep_reset_stamp(user, stamp)
    get_adapter().send_mail("password_reset", address_of(user), _reset_context(user, stamp))


def _reset_context(user, stamp: str) -> dict:
    return {
        "user": user,
        "username": user.get_username(),
        "link": link("PASSWORD_RESET_URL", keys.reset_key(user, stamp)),
        "lifetime_minutes": max(token_settings.PASSWORD_RESET_KEY_LIFETIME // 60, 1),
    }


def reset_password(request, user, password: str) -> None:
    """Set a new password from a reset key: every session ends, the owner is told.

    Only the password is written (``update_fields``): whatever else guards the account, such as
    second factors, stays as it was and still applies at the next login. The key came through
    the account's mailbox, so a pending sign-up verification is settled too.
    """
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        EmailVerification.objects.filter(
            user_id=user.pk, purpose=EmailVerification.Purpose.SIGNUP
        ).delete()
        revoke_all(user, Session.RevokeReason.PASSWORD_RESET, request=request)
        record_event(AuthEvent.Kind.PASSWORD_RESET, request, user)
    get_adapter().notify(user, "password_changed", {"reset": True}, request)


def request_email_change(request, user, address: str) -> None:
    """Mail a confirmation link to the new address; the account keeps its address until then.

    A new address another account already has gets the note such an owner gets at a sign-up
    instead, so the answer is the same and nothing changes.
    """
    address, current = normalize(address), address_of(user)
    if address.lower() == current.lower():
        return
    if users_with_address(address, exclude_pk=user.pk).exists():
        action = gettext("to move another account to it")
        send_limited("account_exists", address, {"action": action})
        return
    with transaction.atomic():
        EmailVerification.objects.filter(
            user_id=user.pk, purpose=EmailVerification.Purpose.CHANGE
        ).delete()
        verification = EmailVerification.objects.create(
            user_id=user.pk,
            purpose=EmailVerification.Purpose.CHANGE,
            email=address,
            replaces=current,
        )
        record_event(AuthEvent.Kind.EMAIL_CHANGE_REQUESTED, request, user, detail=address[:200])
    context = _verification_context(user, verification.pk, verification.purpose)
    send_limited("confirm_email_change", address, context)


def verify_email(request, key: str) -> str:
    """Spend a verification key: confirm a sign-up, or move the account to its new address (and
    tell the old one). Return the address now verified.
    """
    verification = keys.verification_of(key)
    user, address = verification.user, verification.email
    change = verification.purpose == EmailVerification.Purpose.CHANGE
    previous = address_of(user)
    try:
        with transaction.atomic():
            # Single use even when two requests race: only the one that deletes the row goes on.
            if not EmailVerification.objects.filter(pk=verification.pk).delete()[0]:
                raise InvalidKeyError("used meanwhile")
            if change:
                if users_with_address(address, exclude_pk=user.pk).exists():
                    raise InvalidKeyError("the address was taken meanwhile")
                setattr(user, email_field(), address)
                user.save(update_fields=[email_field()])
                # The new address is proven, so a pending sign-up verification is settled too.
                EmailVerification.objects.filter(user_id=user.pk).delete()
                record_event(AuthEvent.Kind.EMAIL_CHANGED, request, user, detail=address[:200])
            else:
                record_event(AuthEvent.Kind.EMAIL_VERIFIED, request, user)
    except IntegrityError:
        raise InvalidKeyError("the address was taken meanwhile") from None
    if change and previous:
        context = {
            "user": user,
            "username": user.get_username(),
            "new_email": address,
            "when": clock.to_datetime(clock.now()),
            **(get_adapter().mail_context(request) if request is not None else {}),
        }
        get_adapter().send_mail("email_changed", previous, context)
    return address
