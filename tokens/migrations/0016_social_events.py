"""Auth events of social login: an outside identity linked or unlinked."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = (("tokens", "0015_factors_removed_reason"),)

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
                    ("session_limit", "oldest session revoked: session limit reached"),
                    ("social_linked", "outside identity linked"),
                    ("social_unlinked", "outside identity unlinked"),
                ],
                max_length=32,
            ),
        ),
    )
