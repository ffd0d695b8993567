"""Recovery codes: ten single-use codes, shown once, kept as keyed digests.

A code has about 50 bits of randomness, far beyond guessing through a throttled endpoint, so a
keyed hash (HMAC-SHA256 with the project's ``SECRET_KEY``, Django's ``salted_hmac``) is as safe as
a slow password hash and lets one indexed UPDATE find and spend a code. ``SECRET_KEY_FALLBACKS``
are tried too, so rotating the secret key does not void the codes.
"""

import secrets

from django.conf import settings
from django.db import transaction
from django.utils.crypto import salted_hmac

from tokens.core import clock
from tokens.mfa.models import RecoveryCode

COUNT = 10
# Lower-case letters and digits without the look-alikes 0/o and 1/l/i: easy to copy from paper.
ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
# Characters per code, written as two groups of five: 31^10, about 2^49.5.
LENGTH = 10
SALT = "tokens.mfa.recovery_codes"


def normalized(code: str) -> str:
    """A code as typed, without case, blanks or the dash between its groups."""
    return "".join(code.split()).replace("-", "").lower()


def digests(user_id, code: str) -> list[str]:
    """The digests ``code`` of the user may be kept under (current secret key, then fallbacks)."""
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    value = f"{user_id}:{normalized(code)}"
    return [salted_hmac(SALT, value, secret=key, algorithm="sha256").hexdigest() for key in keys]


def replace(user) -> list[str]:
    """Give ``user`` a new set of codes, voiding the old ones; return the codes, shown once."""
    codes: list[str] = []
    while len(codes) < COUNT:
        raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
        code = f"{raw[:5]}-{raw[5:]}"
        if code not in codes:
            codes.append(code)
    with transaction.atomic():
        RecoveryCode.objects.filter(user_id=user.pk).delete()
        RecoveryCode.objects.bulk_create(
            RecoveryCode(user_id=user.pk, digest=digests(user.pk, code)[0]) for code in codes
        )
    return codes


def use(user, code: str) -> bool:
    """Spend one of the user's codes: True once per code, by one conditional UPDATE."""
    if not 0 < len(normalized(code)) <= 64:
        return False
    return bool(
        RecoveryCode.objects.filter(
            user_id=user.pk, digest__in=digests(user.pk, code), used_at__isnull=True
        ).update(used_at=clock.to_datetime(clock.now()))
    )


def remaining(user) -> int:
    return RecoveryCode.objects.filter(user_id=user.pk, used_at__isnull=True).count()
