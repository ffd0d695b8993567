"""The outage epoch: one row the Redis copy is checked against after an outage."""

from django.db import migrations, models

import tokens.core.clock


class Migration(migrations.Migration):
    dependencies = (("tokens", "0007_clock_defaults_and_session_limit"),)

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
                ("changed_at", models.DateTimeField(default=tokens.core.clock.datetime_now)),
            ],
        ),
    )
