"""The admin names auth events, sessions and their fields in the reader's language: the names
are marked for the catalogue (nothing changes in the database)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import tokens.core.clock


class Migration(migrations.Migration):
    dependencies = (
        ("tokens", "0016_social_events"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    )

    operations = (
        migrations.AlterModelOptions(
            name="authevent",
            options={
                "ordering": ("-at",),
                "verbose_name": "auth event",
                "verbose_name_plural": "auth events",
            },
        ),
        migrations.AlterModelOptions(
            name="session",
            options={
                "ordering": ("-created_at",),
                "permissions": (("introspect_token", "Can introspect tokens"),),
                "verbose_name": "session",
                "verbose_name_plural": "sessions",
            },
        ),
        migrations.AlterField(
            model_name="authevent",
            name="at",
            field=models.DateTimeField(
                db_index=True, default=tokens.core.clock.datetime_now, verbose_name="at"
            ),
        ),
        migrations.AlterField(
            model_name="authevent",
            name="detail",
            field=models.CharField(blank=True, max_length=200, verbose_name="detail"),
        ),
        migrations.AlterField(
            model_name="authevent",
            name="ip_address",
            field=models.GenericIPAddressField(blank=True, null=True, verbose_name="IP address"),
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
                    ("social_linked", "outside identity linked"),
                    ("social_unlinked", "outside identity unlinked"),
                ],
                max_length=32,
                verbose_name="kind",
            ),
        ),
        migrations.AlterField(
            model_name="authevent",
            name="session_id",
            field=models.UUIDField(blank=True, null=True, verbose_name="session id"),
        ),
        migrations.AlterField(
            model_name="authevent",
            name="user",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="auth_events",
                to=settings.AUTH_USER_MODEL,
                verbose_name="user",
            ),
        ),
        migrations.AlterField(
            model_name="authevent",
            name="user_agent",
            field=models.CharField(blank=True, max_length=512, verbose_name="user agent"),
        ),
        migrations.AlterField(
            model_name="authevent",
            name="username",
            field=models.CharField(
                blank=True,
                help_text="As given, for failed logins.",
                max_length=254,
                verbose_name="username",
            ),
        ),
        migrations.AlterField(
            model_name="session",
            name="claims",
            field=models.JSONField(
                blank=True,
                default=dict,
                help_text="Claims every token of the session carries (auth_time, amr).",
                verbose_name="claims",
            ),
        ),
        migrations.AlterField(
            model_name="session",
            name="created_at",
            field=models.DateTimeField(
                default=tokens.core.clock.datetime_now, verbose_name="created at"
            ),
        ),
        migrations.AlterField(
            model_name="session",
            name="expires_at",
            field=models.DateTimeField(
                help_text="Absolute end of the session.", verbose_name="expires at"
            ),
        ),
        migrations.AlterField(
            model_name="session",
            name="fingerprint_digest",
            field=models.CharField(
                blank=True,
                help_text="Token binding: the SHA-256 hex of the fingerprint cookie.",
                max_length=64,
                verbose_name="fingerprint digest",
            ),
        ),
        migrations.AlterField(
            model_name="session",
            name="grace_ends_at",
            field=models.DateTimeField(
                blank=True,
                help_text="Until then the replaced token returns the same successor.",
                null=True,
                verbose_name="grace ends at",
            ),
        ),
        migrations.AlterField(
            model_name="session",
            name="ip_address",
            field=models.GenericIPAddressField(blank=True, null=True, verbose_name="IP address"),
        ),
        migrations.AlterField(
            model_name="session",
            name="last_used_at",
            field=models.DateTimeField(
                default=tokens.core.clock.datetime_now, verbose_name="last used at"
            ),
        ),
        migrations.AlterField(
            model_name="session",
            name="previous_jti",
            field=models.CharField(
                blank=True,
                help_text="Id of the refresh token it replaced.",
                max_length=64,
                verbose_name="previous refresh token id",
            ),
        ),
        migrations.AlterField(
            model_name="session",
            name="refresh_expires_at",
            field=models.DateTimeField(
                help_text="Idle end: the current refresh token's expiry.",
                verbose_name="refresh expires at",
            ),
        ),
        migrations.AlterField(
            model_name="session",
            name="refresh_jti",
            field=models.CharField(
                help_text="Id of the one refresh token that may be used next.",
                max_length=64,
                verbose_name="refresh token id",
            ),
        ),
        migrations.AlterField(
            model_name="session",
            name="revoked_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="revoked at"),
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
                verbose_name="revoked reason",
            ),
        ),
        migrations.AlterField(
            model_name="session",
            name="user",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="token_sessions",
                to=settings.AUTH_USER_MODEL,
                verbose_name="user",
            ),
        ),
        migrations.AlterField(
            model_name="session",
            name="user_agent",
            field=models.CharField(blank=True, max_length=512, verbose_name="user agent"),
        ),
    )
