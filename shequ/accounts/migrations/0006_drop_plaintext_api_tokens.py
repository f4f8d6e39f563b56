"""DRF's authtoken kept API keys in clear (finding 9 of the second security pass). Tokens are knox's
now, stored as digests; the old table is dropped with every key in it, so no backup taken from
here on holds a working credential. Users log in again (POST /api/v1/auth/token/) for a new token."""

from django.db import migrations

OLD_TABLE = "authtoken_token"


def drop_plaintext_tokens(apps, schema_editor):
    connection = schema_editor.connection
    if OLD_TABLE in connection.introspection.table_names():
        schema_editor.execute(f"DROP TABLE {schema_editor.quote_name(OLD_TABLE)}")
    content_type = apps.get_model("contenttypes", "ContentType")
    content_type.objects.filter(app_label="authtoken").delete()  # with its permissions
    schema_editor.execute("DELETE FROM django_migrations WHERE app = %s", ["authtoken"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_roleassignment_micro_grid"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(drop_plaintext_tokens, migrations.RunPython.noop)]
