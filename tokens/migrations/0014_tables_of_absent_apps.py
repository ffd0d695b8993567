"""The tables of a feature app the project leaves out go.

The tokens app's early migrations made the tables of second factors and of the account lifecycle,
before ``tokens.mfa`` and ``tokens.lifecycle`` owned them; a project without one of those apps
would keep its tables, empty, with foreign keys to the user table that no model of the project
knows (``TRUNCATE`` of the users, as Django's test flush runs it on PostgreSQL, then fails). This
asks the project's own ``INSTALLED_APPS``, as only this project's migration can: a table of an app
left out is dropped while it is empty; one that holds rows stops the migration, which names it.
Installing the app later makes its tables again (its migration ``0003_tables``).
"""

from django.apps import apps as installed
from django.db import migrations

# The tables each feature app owns, as the tokens app's early migrations named them.
FEATURE_TABLES = {
    "tokens.mfa": ("tokens_totpfactor", "tokens_recoverycode", "tokens_passkey"),
    "tokens.lifecycle": ("tokens_emailverification", "tokens_passwordresetstamp"),
}


def drop_tables_of_absent_apps(apps, schema_editor):
    connection = schema_editor.connection
    existing = set(connection.introspection.table_names())
    quote = connection.ops.quote_name
    for app, tables in FEATURE_TABLES.items():
        if installed.is_installed(app):
            continue
        for table in tables:
            if table not in existing:
                continue
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT 1 FROM {quote(table)} LIMIT 1")
                if cursor.fetchone() is not None:
                    raise RuntimeError(
                        f"{app!r} is not in INSTALLED_APPS, but its table {table} holds rows: "
                        f"install the app again, or delete the rows if they are no longer wanted."
                    )
            schema_editor.execute(f"DROP TABLE {quote(table)}")


class Migration(migrations.Migration):
    dependencies = (("tokens", "0013_token_binding_help"),)

    operations = (migrations.RunPython(drop_tables_of_absent_apps, migrations.RunPython.noop),)
