"""The second factors' rows: TOTP, recovery codes and passkeys.

The tables keep the names they had in the tokens app (``db_table``). ``app_label`` is named so the
login pipeline, which imports these classes, imports in a project without ``tokens.mfa``; nothing
queries them there, as ``TOKENS["SECOND_FACTORS"]`` is off (``tokens.checks`` holds the two
together).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tokens.core import clock


class SecondFactorRecord(models.Model):
    """What the rows of every second factor share: when they were made, and the admin's name."""

    # The factor as the admin lists it ("TOTP of alice").
    label = "second factor"
    created_at = models.DateTimeField(default=clock.datetime_now)

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.label} of {getattr(self, 'user', None)}"


class TotpFactor(SecondFactorRecord):
    """A user's TOTP authenticator (RFC 6238): its secret, and a new one awaiting a first code."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="totp_factor"
    )
    secret = models.CharField(
        max_length=64, blank=True, help_text=_("Base32; empty until a first code confirms one.")
    )
    pending_secret = models.CharField(
        max_length=64,
        blank=True,
        help_text=_("Base32; replaces the secret once a code confirms it."),
    )
    last_step = models.BigIntegerField(
        default=0, help_text=_("The last time step whose code was accepted: no code counts twice.")
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)

    label = "TOTP"

    class Meta:
        app_label = "tokens_mfa"
        db_table = "tokens_totpfactor"


class RecoveryCode(SecondFactorRecord):
    """One single-use recovery code, kept as a keyed digest (``tokens.mfa.recovery_codes``)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recovery_codes"
    )
    # The digest covers the user's id, so it is unique among all users' codes.
    digest = models.CharField(max_length=64, unique=True)
    used_at = models.DateTimeField(null=True, blank=True)

    label = "recovery code"

    class Meta:
        app_label = "tokens_mfa"
        db_table = "tokens_recoverycode"


class Passkey(SecondFactorRecord):
    """A WebAuthn credential of a user: a second factor, and a login on its own."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="passkeys"
    )
    name = models.CharField(max_length=100)
    credential_id = models.CharField(
        max_length=1400, unique=True, help_text=_("The credential's id, base64url.")
    )
    public_key = models.BinaryField(help_text=_("COSE public key."))
    sign_count = models.PositiveBigIntegerField(default=0)
    user_handle = models.CharField(
        max_length=128, help_text=_("The user's WebAuthn handle, base64url (random, no identity).")
    )
    transports = models.JSONField(default=list, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        app_label = "tokens_mfa"
        db_table = "tokens_passkey"
        ordering = ("created_at",)

    def __str__(self):
        return f"{self.name} ({self.user})"
