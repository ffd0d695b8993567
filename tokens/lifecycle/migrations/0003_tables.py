"""The app's tables, made when they are missing: in a project that installs the app after the
tokens app's migration 0014 dropped them (it drops the tables of an app left out).
"""

from django.db import migrations


def make_missing_tables(apps, schema_editor):
    existing = set(schema_editor.connection.introspection.table_names())
    for model in apps.get_app_config("tokens_lifecycle").get_models():
        if model._meta.db_table not in existing:
            schema_editor.create_model(model)


class Migration(migrations.Migration):
    dependencies = (
        ("tokens_lifecycle", "0002_content_types"),
        ("tokens", "0014_tables_of_absent_apps"),
    )

    operations = (migrations.RunPython(make_missing_tables, migrations.RunPython.noop),)
