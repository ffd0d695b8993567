"""Account lifecycle: sign-up and e-mail change verifications, and the auth events and revoke
reason of sign-ups, verifications, password resets and e-mail changes."""

import uuid

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = (
        ("tokens", "0004_auth_event_kind_at_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    )

    operations = (
        migrations.AlterField(
            model_name="authevent",
            name="kind",
            field=models.CharField(
                choices=[
                    ("login_succeeded", "login succeeded"),
                    ("login_failed", "login failed"),
                    ("logout", "logout"),
                    ("revoked", "session revoked"),
                    ("reuse_detected", "refresh token reuse detected"),
                    ("user_disabled", "user disabled"),
                    ("password_changed", "password changed"),
                    ("signed_up", "signed up"),
                    ("email_verified", "e-mail address verified"),
                    ("password_reset_requested", "password reset requested"),
                    ("password_reset", "password reset"),
                    ("email_change_requested", "e-mail change requested"),
                    ("email_changed", "e-mail address changed"),
                ],
                max_length=32,
            ),
        ),
        migrations.AlterField(
            model_name="session",
            name="revoked_reason",
            field=models.CharField(
                blank=True,
                choices=[
                    ("logout", "logged out"),
                    ("logout_all", "logged out everywhere"),
                    ("user_revoked", "revoked by its user"),
                    ("password_changed", "password changed"),
                    ("reuse_detected", "refresh token reuse detected"),
                    ("admin", "revoked by staff"),
                    ("user_disabled", "user disabled"),
                    ("rfc7009", "revoked through the revocation endpoint"),
                    ("command", "revoked by a management command"),
                    ("user_deleted", "user deleted"),
                    ("password_reset", "password reset by mail"),
                ],
                max_length=32,
            ),
        ),
        migrations.CreateModel(
            name="EmailVerification",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                (
                    "purpose",
                    models.CharField(
                        choices=[("signup", "sign-up"), ("change", "e-mail change")], max_length=16
                    ),
                ),
                ("email", models.EmailField(help_text="The address to verify.", max_length=254)),
                (
                    "replaces",
                    models.EmailField(
                        blank=True,
                        help_text="For a change: the address it replaces.",
                        max_length=254,
                    ),
                ),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="email_verifications",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("user", "purpose"), name="tokens_emailverification_one_per_purpose"
                    )
                ],
            },
        ),
    )
