"""The outside identity provider a session began at (a social login), kept with its record.

A nullable column added without a default: no row is rewritten, and every session opened before
keeps working as it was. Those sessions show no provider: which of them a social login opened was
never recorded with them (a login's auth event names its provider, but not its session).
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = (("tokens", "0017_model_and_field_names_translated"),)

    operations = (
        migrations.AddField(
            model_name="session",
            name="provider",
            field=models.CharField(
                blank=True,
                help_text=(
                    "The outside identity provider the session began at (its id in "
                    "SOCIAL_PROVIDERS); empty for any other login."
                ),
                max_length=64,
                null=True,
            ),
        ),
    )
