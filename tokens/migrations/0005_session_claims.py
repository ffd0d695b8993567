"""The claims a session carries (``auth_time``, ``amr``), kept with its record.

Sessions opened before were opened by a password (the only method there was), at their creation:
they get ``{"auth_time": <created_at>, "amr": ["pwd"]}``. Their Redis copies lack the claims until
the next write; a refresh reads them from the record's rotation statement anyway.
"""

from django.db import migrations, models

BATCH = 1000


def claims_of_existing_sessions(apps, schema_editor):
    Session = apps.get_model("tokens", "Session")
    sessions = Session.objects.using(schema_editor.connection.alias).filter(claims={})
    while batch := list(sessions.only("pk", "created_at")[:BATCH]):
        for session in batch:
            session.claims = {"auth_time": int(session.created_at.timestamp()), "amr": ["pwd"]}
        Session.objects.using(schema_editor.connection.alias).bulk_update(batch, ["claims"])


class Migration(migrations.Migration):
    dependencies = (("tokens", "0004_auth_event_kind_at_index"),)

    operations = (
        migrations.AddField(
            model_name="session",
            name="claims",
            field=models.JSONField(
                blank=True,
                default=dict,
                help_text="Claims every token of the session carries (auth_time, amr).",
            ),
        ),
        migrations.RunPython(claims_of_existing_sessions, migrations.RunPython.noop),
    )
