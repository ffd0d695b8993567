"""The revoke reason ``factor_added``: the first second factor ends the user's other sessions.
Only the choices change. No data changes.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = (("tokens", "0010_admin_sessions"),)

    operations = (
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
                    ("password_reset", "password reset by mail"),
                    ("user_disabled", "user disabled"),
                    ("user_deleted", "user deleted"),
                    ("factor_added", "second factor added"),
                    ("admin", "revoked by staff"),
                    ("command", "revoked by a management command"),
                    ("rfc7009", "revoked through the revocation endpoint"),
                    ("reuse_detected", "refresh token reuse detected"),
                    ("session_limit", "the oldest, past the session limit"),
                ],
                max_length=32,
            ),
        ),
    )
