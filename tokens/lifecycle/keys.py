"""The keys mailed to users: password reset keys and e-mail verification keys.

Both come from Django's primitives, so nothing here is hand-made cryptography:

- a **reset key** is ``<user id, base64>.<token>``, the token from a subclass of Django's
  ``PasswordResetTokenGenerator`` with its own ``key_salt``: an HMAC of the user's id, password
  hash, last login, address, the time it was made and the user's reset stamp. It dies when any
  of those changes, so setting the password spends it, and mailing a newer key (a new stamp,
  ``PasswordResetStamp``) kills it;
- a **verification key** is a ``django.core.signing`` signature (its own salt) of the id of an
  ``EmailVerification`` row, the row's purpose and the time it was made. The row is the key's
  state: verifying deletes it, which spends every key of it, and a key is honoured only while
  the account still has the address the row was made for.

Each kind has its own salt, so a key of one kind never passes as the other, and both compare
in constant time (``salted_hmac`` and ``Signer`` use ``constant_time_compare``). Times come from
``tokens.core.clock``, the seam tests move.
"""

import secrets
import uuid
from datetime import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core import signing
from django.core.exceptions import ValidationError
from django.utils.crypto import constant_time_compare
from django.utils.encoding import force_bytes
from django.utils.http import base36_to_int, urlsafe_base64_decode, urlsafe_base64_encode

from tokens.conf import token_settings
from tokens.core import clock
from tokens.exceptions import InvalidKeyError
from tokens.lifecycle.models import EmailVerification, PasswordResetStamp

# The salt of verification keys: a signature made for anything else never verifies as one.
VERIFICATION_SALT = "tokens.lifecycle.keys.verification"


class PasswordResetKeyGenerator(PasswordResetTokenGenerator):
    """Django's reset tokens with the app's own salt, clock and lifetime, bound to a reset stamp."""

    key_salt = "tokens.lifecycle.keys.PasswordResetKeyGenerator"

    def __init__(self, stamp: str):
        super().__init__()
        self.stamp = stamp

    def _make_hash_value(self, user, timestamp: int) -> str:
        return super()._make_hash_value(user, timestamp) + self.stamp

    def _now(self) -> datetime:
        # Naive UTC, as the base class counts seconds from a naive 2001-01-01.
        return clock.to_datetime(clock.now()).replace(tzinfo=None)

    def check_token(self, user, token) -> bool:
        if not super().check_token(user, token):
            return False
        made = base36_to_int(token.split("-")[0])
        return self._num_seconds(self._now()) - made <= token_settings.PASSWORD_RESET_KEY_LIFETIME


def new_reset_stamp() -> str:
    """A stamp for the next reset key of a user (``keep_reset_stamp`` once it is mailed)."""
    return secrets.token_hex(16)


def keep_reset_stamp(user, stamp: str) -> None:
    """Make ``stamp`` the user's newest: only keys made with it work from now on."""
    PasswordResetStamp.objects.update_or_create(
        user_id=user.pk, defaults={"stamp": stamp, "made_at": clock.datetime_now()}
    )


def reset_key(user, stamp: str) -> str:
    """A password reset key for ``user``, bound to ``stamp``."""
    token = PasswordResetKeyGenerator(stamp).make_token(user)
    return f"{urlsafe_base64_encode(force_bytes(user.pk))}.{token}"


def reset_key_user(key: str):
    """The active user a reset key was made for, if the key is still good; else InvalidKeyError."""
    encoded_pk, _, token = key.partition(".")
    try:
        pk = urlsafe_base64_decode(encoded_pk).decode()
    except (ValueError, UnicodeDecodeError):
        raise InvalidKeyError("malformed reset key") from None
    model = get_user_model()
    try:
        user = model._default_manager.get(pk=pk)
    except (model.DoesNotExist, ValidationError, ValueError, OverflowError):
        raise InvalidKeyError("no such user") from None
    stamp = (
        PasswordResetStamp.objects.filter(user_id=user.pk).values_list("stamp", flat=True).first()
    )
    if (
        stamp is None
        or not getattr(user, "is_active", True)
        or not PasswordResetKeyGenerator(stamp).check_token(user, token)
    ):
        raise InvalidKeyError("reset key not valid for this user now")
    return user


def verification_key(row_id: uuid.UUID, purpose: str) -> str:
    """A key for one verification row (its id and purpose), made now."""
    payload = {"v": str(row_id), "p": purpose, "t": clock.now()}
    return signing.Signer(salt=VERIFICATION_SALT).sign_object(payload, compress=True)


def verification_of(key: str) -> EmailVerification:
    """The row a verification key names, if the key is good and the account still matches it.

    Raise InvalidKeyError for a bad signature, an expired key, a spent row (used or replaced), a
    row for another purpose, an inactive owner, or an owner whose address changed since.
    """
    try:
        payload = signing.Signer(salt=VERIFICATION_SALT).unsign_object(key)
    except signing.BadSignature:
        raise InvalidKeyError("bad signature") from None
    try:
        row_id, purpose, made = uuid.UUID(payload["v"]), payload["p"], int(payload["t"])
    except (TypeError, KeyError, ValueError):
        raise InvalidKeyError("malformed payload") from None
    if not 0 <= clock.now() - made <= token_settings.EMAIL_VERIFICATION_KEY_LIFETIME:
        raise InvalidKeyError("expired")
    verification = (
        EmailVerification.objects.select_related("user").filter(pk=row_id, purpose=purpose).first()
    )
    if verification is None:
        raise InvalidKeyError("used or replaced")
    user = verification.user
    current = getattr(user, user.get_email_field_name(), "") or ""
    expected = (
        verification.email
        if verification.purpose == EmailVerification.Purpose.SIGNUP
        else verification.replaces
    )
    if not getattr(user, "is_active", True) or not constant_time_compare(
        current.lower(), expected.lower()
    ):
        raise InvalidKeyError("the account changed since")
    return verification
