"""An index on auth events by (kind, time), for the security overview's counts per hour and day."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = (("tokens", "0003_durable_session_record"),)

    operations = (
        migrations.AddIndex(
            model_name="authevent",
            index=models.Index(fields=["kind", "at"], name="tokens_authevent_kind_at_idx"),
        ),
    )
