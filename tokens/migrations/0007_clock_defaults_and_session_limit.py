"""Times from ``tokens.core.clock`` (the one source of "now"), the revocation of the oldest
session past ``MAX_SESSIONS_PER_USER`` and its auth event. No data changes.
"""

from django.db import migrations, models

import tokens.core.clock


class Migration(migrations.Migration):
    dependencies = (("tokens", "0005_session_claims"),)

    operations = (
        migrations.AlterField(
            model_name="authevent",
            name="at",
            field=models.DateTimeField(db_index=True, default=tokens.core.clock.datetime_now),
        ),
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
                    ("session_limit", "oldest session revoked: session limit reached"),
                ],
                max_length=32,
            ),
        ),
        migrations.AlterField(
            model_name="session",
            name="created_at",
            field=models.DateTimeField(default=tokens.core.clock.datetime_now),
        ),
        migrations.AlterField(
            model_name="session",
            name="last_used_at",
            field=models.DateTimeField(default=tokens.core.clock.datetime_now),
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
                    ("session_limit", "the oldest, past the session limit"),
                ],
                max_length=32,
            ),
        ),
    )
