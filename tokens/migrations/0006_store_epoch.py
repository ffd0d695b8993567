"""The outage epoch: one row the Redis copy is checked against after an outage."""

from django.db import migrations, models
from django.utils import timezone


class Migration(migrations.Migration):
    dependencies = (("tokens", "0004_auth_event_kind_at_index"),)

    operations = (
        migrations.CreateModel(
            name="StoreEpoch",
            fields=[
                (
                    "id",
                    models.PositiveSmallIntegerField(
                        default=1, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("epoch", models.BigIntegerField(default=0)),
                ("changed_at", models.DateTimeField(default=timezone.now)),
            ],
        ),
    )
