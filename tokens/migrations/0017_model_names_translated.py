"""The admin names auth events and sessions in the reader's language: their names are marked
for the catalogue (no change to the database)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = (("tokens", "0016_social_events"),)

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
    )
