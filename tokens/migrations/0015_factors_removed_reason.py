"""The revoke reason ``factors_removed``: staff removing a user's second factors, told apart
from the admin's other revocations so a refused token can name it. Only the choices change: every
session is kept, and those revoked before keep their reason (staff's removals read ``admin``).
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = (("tokens", "0014_tables_of_absent_apps"),)

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
                    ("factors_removed", "second factors removed by staff"),
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
