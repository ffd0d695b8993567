"""Sessions become the durable record: current and previous refresh token ids, grace end, binding.

Until now a session's current refresh token id lived only in Redis. For every open session the
data step copies it from there into the row, and drops the old-format hash (the next request
seeds the new copy from the row). An open session that Redis no longer knew was already dead:
it is marked revoked. With no open sessions, Redis is not contacted.
"""

from django.db import migrations, models
from django.utils import timezone


def copy_current_refresh_ids(apps, schema_editor):
    Session = apps.get_model("tokens", "Session")
    open_sessions = list(
        Session.objects.using(schema_editor.connection.alias).filter(revoked_at__isnull=True)
    )
    if not open_sessions:
        return
    from django_redis import get_redis_connection

    from tokens.store import redis_keys

    redis = get_redis_connection("default")
    for session in open_sessions:
        key = redis_keys.session(session.user_id, session.pk)
        current = redis.hget(key, "r")
        if current is None:
            session.revoked_at, session.revoked_reason = timezone.now(), "command"
            session.save(update_fields=["revoked_at", "revoked_reason"])
            continue
        session.refresh_jti = current.decode()
        session.save(update_fields=["refresh_jti"])
        redis.delete(key)


class Migration(migrations.Migration):
    dependencies = (("tokens", "0002_introspect_permission"),)

    operations = (
        migrations.AddField(
            model_name="session",
            name="refresh_jti",
            field=models.CharField(
                default="",
                help_text="Id of the one refresh token that may be used next.",
                max_length=64,
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="session",
            name="previous_jti",
            field=models.CharField(
                blank=True, help_text="Id of the refresh token it replaced.", max_length=64
            ),
        ),
        migrations.AddField(
            model_name="session",
            name="grace_ends_at",
            field=models.DateTimeField(
                blank=True,
                null=True,
                help_text="Until then the replaced token returns the same successor.",
            ),
        ),
        migrations.AddField(
            model_name="session",
            name="fingerprint_digest",
            field=models.CharField(
                blank=True, help_text="Device binding (SHA-256 hex).", max_length=64
            ),
        ),
        migrations.AlterField(
            model_name="session",
            name="revoked_reason",
            field=models.CharField(
                blank=True,
                max_length=32,
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
                ],
            ),
        ),
        migrations.RunPython(copy_current_refresh_ids, migrations.RunPython.noop),
    )
