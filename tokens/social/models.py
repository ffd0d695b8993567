"""Outside identities linked to accounts: one row per (issuer, subject), never per e-mail address.

``app_label`` is named so modules that import the class import in a project without
``tokens.social``; nothing queries it there, as ``TOKENS["SOCIAL_LOGIN"]`` is off.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tokens.core import clock


class SocialIdentity(models.Model):
    """An identity at an outside provider (its issuer and ``sub``) that logs in to ``user``."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="social_identities"
    )
    provider = models.CharField(
        max_length=64, help_text=_("The provider's id in SOCIAL_PROVIDERS.")
    )
    issuer = models.CharField(max_length=255)
    subject = models.CharField(max_length=255, help_text=_("The provider's sub for this person."))
    email = models.CharField(
        max_length=254, blank=True, help_text=_("The address the provider last named.")
    )
    created_at = models.DateTimeField(default=clock.datetime_now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        app_label = "tokens_social"
        verbose_name = _("social identity")
        verbose_name_plural = _("social identities")
        constraints = (
            models.UniqueConstraint(fields=("issuer", "subject"), name="social_identity_unique"),
        )

    def __str__(self):
        return f"{self.provider} identity {self.subject} of {self.user}"
