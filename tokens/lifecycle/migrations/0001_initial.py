"""The account lifecycle's models, taken over from the tokens app (its 0012 lets them go): the
tables ``tokens_emailverification`` and ``tokens_passwordresetstamp`` stay, with their rows. On a
new database the tokens app's 0004 and 0010 made them.
"""

import uuid

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
                    name="EmailVerification",
                    fields=[
                        (
                            "id",
                            models.UUIDField(
                                default=uuid.uuid4,
                                editable=False,
                                primary_key=True,
                                serialize=False,
                            ),
                        ),
                        (
                            "purpose",
                            models.CharField(
                                choices=[("signup", "sign-up"), ("change", "e-mail change")],
                                max_length=16,
                            ),
                        ),
                        (
                            "email",
                            models.EmailField(help_text="The address to verify.", max_length=254),
                        ),
                        (
                            "replaces",
                            models.EmailField(
                                blank=True,
                                help_text="For a change: the address it replaces.",
                                max_length=254,
                            ),
                        ),
                        (
                            "created_at",
                            models.DateTimeField(default=tokens.core.clock.datetime_now),
                        ),
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
                        "db_table": "tokens_emailverification",
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("user", "purpose"),
                                name="tokens_emailverification_one_per_purpose",
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="PasswordResetStamp",
                    fields=[
                        (
                            "user",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE,
                                primary_key=True,
                                related_name="password_reset_stamp",
                                serialize=False,
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        ("stamp", models.CharField(max_length=64)),
                        ("made_at", models.DateTimeField(default=tokens.core.clock.datetime_now)),
                    ],
                    options={"db_table": "tokens_passwordresetstamp"},
                ),
            ],
            database_operations=[],
        ),
    )
