"""A record of the Django sessions (the admin's) of each user, so that ending all of a user's
sessions ends them too; and the stamp of each user's newest password reset key.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import tokens.core.clock


class Migration(migrations.Migration):
    dependencies = (
        ("tokens", "0009_revoke_reason_groups"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    )

    operations = (
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
        ),
        migrations.CreateModel(
            name="AdminSession",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("session_key", models.CharField(max_length=40, unique=True)),
                ("created_at", models.DateTimeField(default=tokens.core.clock.datetime_now)),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="admin_sessions",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
        ),
    )
