"""The content types of the account lifecycle's models follow them from the tokens app, and with
them their permissions and the admin's log entries. A new database has none to move.
"""

from django.db import migrations

MODELS = ("emailverification", "passwordresetstamp")


def relabel(apps, schema_editor, old: str, new: str) -> None:
    content_types = apps.get_model("contenttypes", "ContentType").objects.using(
        schema_editor.connection.alias
    )
    # A model whose content type is already under the new label keeps that one.
    taken = content_types.filter(app_label=new, model__in=MODELS).values_list("model", flat=True)
    content_types.filter(app_label=old, model__in=MODELS).exclude(model__in=list(taken)).update(
        app_label=new
    )


def forwards(apps, schema_editor):
    relabel(apps, schema_editor, "tokens", "tokens_lifecycle")


def backwards(apps, schema_editor):
    relabel(apps, schema_editor, "tokens_lifecycle", "tokens")


class Migration(migrations.Migration):
    dependencies = (
        ("tokens_lifecycle", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    )

    operations = (migrations.RunPython(forwards, backwards),)
