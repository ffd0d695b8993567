"""The fingerprint digest's help text names it as token binding. Only the text changes; no SQL."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = (("tokens", "0012_models_to_their_apps"),)

    operations = (
        migrations.AlterField(
            model_name="session",
            name="fingerprint_digest",
            field=models.CharField(
                blank=True,
                help_text="Token binding: the SHA-256 hex of the fingerprint cookie.",
                max_length=64,
            ),
        ),
    )
