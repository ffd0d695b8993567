"""The account lifecycle's rows: addresses waiting to be verified, and when a password was last
reset.

The tables keep the names they had in the tokens app (``db_table``), and the constraint its name.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tokens.core import clock


class EmailVerification(models.Model):
    """An address waiting for its owner to prove it, with the mailed key (``tokens.lifecycle``).

    A ``signup`` row marks an account made by ``register/`` as unverified until its key is used
    (the row is then deleted), so users made any other way, and every user from before, are
    verified without a field on the user model. A ``change`` row holds a new address that
    replaces ``replaces`` once verified. The row's id is what a key names: deleting the row
    spends every key of it.
    """

    class Purpose(models.TextChoices):
        SIGNUP = "signup", _("sign-up")
        CHANGE = "change", _("e-mail change")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_verifications"
    )
    purpose = models.CharField(max_length=16, choices=Purpose.choices)
    email = models.EmailField(max_length=254, help_text=_("The address to verify."))
    replaces = models.EmailField(
        max_length=254, blank=True, help_text=_("For a change: the address it replaces.")
    )
    created_at = models.DateTimeField(default=clock.datetime_now)

    class Meta:
        # Explicit, so the app's code imports in a project that leaves the app out (``ACCOUNTS``
        # off), where nothing queries it.
        app_label = "tokens_lifecycle"
        db_table = "tokens_emailverification"
        constraints = (
            models.UniqueConstraint(
                fields=["user", "purpose"], name="tokens_emailverification_one_per_purpose"
            ),
        )

    def __str__(self):
        return f"{self.get_purpose_display()} {self.email}"


class PasswordResetStamp(models.Model):
    """The stamp of the newest password reset key mailed to a user: every reset key is bound to
    it, so mailing a new key kills the older ones (``tokens.lifecycle.keys``).
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="password_reset_stamp",
    )
    stamp = models.CharField(max_length=64)
    made_at = models.DateTimeField(default=clock.datetime_now)

    class Meta:
        app_label = "tokens_lifecycle"
        db_table = "tokens_passwordresetstamp"

    def __str__(self):
        return f"password reset key of {self.user_id} mailed at {self.made_at:%Y-%m-%d %H:%M:%S}"
