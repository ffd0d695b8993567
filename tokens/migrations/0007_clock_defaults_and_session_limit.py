"""Times from ``tokens.core.clock`` (the one source of "now"), the revocation of the oldest
session past ``MAX_SESSIONS_PER_USER`` and its auth event. No data changes.
"""

from django.db import migrations, models

import tokens.core.clock


class Migration(migrations.Migration):
    dependencies = (("tokens", "0006_second_factors"),)

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
                    ("session_limit", "oldest session revoked: session limit reached"),
                ],
                max_length=32,
            ),
        ),
        migrations.AlterField(
            model_name="emailverification",
            name="created_at",
            field=models.DateTimeField(default=tokens.core.clock.datetime_now),
        ),
        migrations.AlterField(
            model_name="passkey",
            name="created_at",
            field=models.DateTimeField(default=tokens.core.clock.datetime_now),
        ),
        migrations.AlterField(
            model_name="recoverycode",
            name="created_at",
            field=models.DateTimeField(default=tokens.core.clock.datetime_now),
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
                    ("password_reset", "password reset by mail"),
                    ("session_limit", "the oldest, past the session limit"),
                ],
                max_length=32,
            ),
        ),
        migrations.AlterField(
            model_name="totpfactor",
            name="created_at",
            field=models.DateTimeField(default=tokens.core.clock.datetime_now),
        ),
    )
