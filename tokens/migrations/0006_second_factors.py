"""Second factors: TOTP, recovery codes and passkeys, and their auth events."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = (
        ("tokens", "0004_account_lifecycle"),
        ("tokens", "0005_session_claims"),
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
                    ("factor_added", "second factor added"),
                    ("factor_removed", "second factor removed"),
                    ("recovery_codes_renewed", "recovery codes renewed"),
                    ("mfa_succeeded", "second factor accepted"),
                    ("mfa_failed", "second factor refused"),
                    ("reauthenticated", "re-authenticated"),
                ],
                max_length=32,
            ),
        ),
        migrations.CreateModel(
            name="Passkey",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=100)),
                (
                    "credential_id",
                    models.CharField(
                        help_text="The credential's id, base64url.", max_length=1400, unique=True
                    ),
                ),
                ("public_key", models.BinaryField(help_text="COSE public key.")),
                ("sign_count", models.PositiveBigIntegerField(default=0)),
                (
                    "user_handle",
                    models.CharField(
                        help_text="The user's WebAuthn handle, base64url (random, no identity).",
                        max_length=128,
                    ),
                ),
                ("transports", models.JSONField(blank=True, default=list)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("last_used_at", models.DateTimeField(blank=True, null=True)),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="passkeys",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ("created_at",),
            },
        ),
        migrations.CreateModel(
            name="TotpFactor",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "secret",
                    models.CharField(
                        blank=True,
                        help_text="Base32; empty until a first code confirms one.",
                        max_length=64,
                    ),
                ),
                (
                    "pending_secret",
                    models.CharField(
                        blank=True,
                        help_text="Base32; replaces the secret once a code confirms it.",
                        max_length=64,
                    ),
                ),
                (
                    "last_step",
                    models.BigIntegerField(
                        default=0,
                        help_text="The last time step whose code was accepted: no code counts twice.",
                    ),
                ),
                ("confirmed_at", models.DateTimeField(blank=True, null=True)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "user",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="totp_factor",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="RecoveryCode",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("digest", models.CharField(max_length=64, unique=True)),
                ("used_at", models.DateTimeField(blank=True, null=True)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="recovery_codes",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
        ),
    )
