"""Linked outside identities (``tokens.social``): one row per (issuer, subject)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import tokens.core.clock


class Migration(migrations.Migration):
    initial = True

    dependencies = (migrations.swappable_dependency(settings.AUTH_USER_MODEL),)

    operations = (
        migrations.CreateModel(
            name="SocialIdentity",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "provider",
                    models.CharField(
                        help_text="The provider's id in SOCIAL_PROVIDERS.", max_length=64
                    ),
                ),
                ("issuer", models.CharField(max_length=255)),
                (
                    "subject",
                    models.CharField(
                        help_text="The provider's sub for this person.", max_length=255
                    ),
                ),
                (
                    "email",
                    models.CharField(
                        blank=True, help_text="The address the provider last named.", max_length=254
                    ),
                ),
                ("created_at", models.DateTimeField(default=tokens.core.clock.datetime_now)),
                ("last_used_at", models.DateTimeField(blank=True, null=True)),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="social_identities",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "social identity",
                "verbose_name_plural": "social identities",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("issuer", "subject"), name="social_identity_unique"
                    )
                ],
            },
        ),
    )
