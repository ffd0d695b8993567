from django.db import migrations


class Migration(migrations.Migration):
    dependencies = (("tokens", "0001_initial"),)

    operations = (
        migrations.AlterModelOptions(
            name="session",
            options={
                "ordering": ("-created_at",),
                "permissions": (("introspect_token", "Can introspect tokens"),),
            },
        ),
    )
