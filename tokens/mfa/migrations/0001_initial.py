"""The second factors' models, taken over from the tokens app (its 0012 lets them go): the tables
``tokens_totpfactor``, ``tokens_recoverycode`` and ``tokens_passkey`` stay, with their rows. On a
new database the tokens app's 0006 made them.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import tokens.core.clock


class Migration(migrations.Migration):
    initial = True

    dependencies = (
        ("tokens", "0012_models_to_their_apps"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    )

    operations = (
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Passkey",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "created_at",
                            models.DateTimeField(default=tokens.core.clock.datetime_now),
                        ),
                        ("name", models.CharField(max_length=100)),
                        (
                            "credential_id",
                            models.CharField(
                                help_text="The credential's id, base64url.",
                                max_length=1400,
                                unique=True,
                            ),
                        ),
                        ("public_key", models.BinaryField(help_text="COSE public key.")),
                        ("sign_count", models.PositiveBigIntegerField(default=0)),
                        (
                            "user_handle",
                            models.CharField(
                                help_text=(
                                    "The user's WebAuthn handle, base64url (random, no identity)."
                                ),
                                max_length=128,
                            ),
                        ),
                        ("transports", models.JSONField(blank=True, default=list)),
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
                    options={"db_table": "tokens_passkey", "ordering": ("created_at",)},
                ),
                migrations.CreateModel(
                    name="RecoveryCode",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "created_at",
                            models.DateTimeField(default=tokens.core.clock.datetime_now),
                        ),
                        ("digest", models.CharField(max_length=64, unique=True)),
                        ("used_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="recovery_codes",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={"db_table": "tokens_recoverycode"},
                ),
                migrations.CreateModel(
                    name="TotpFactor",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "created_at",
                            models.DateTimeField(default=tokens.core.clock.datetime_now),
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
                                help_text=(
                                    "The last time step whose code was accepted: no code counts "
                                    "twice."
                                ),
                            ),
                        ),
                        ("confirmed_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "user",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="totp_factor",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={"db_table": "tokens_totpfactor"},
                ),
            ],
            database_operations=[],
        ),
    )
