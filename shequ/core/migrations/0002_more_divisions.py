from django.db import migrations


def load_divisions(apps, schema_editor):
    """Counties that residents of the demo county come from; upserts, so it can run again."""
    from shequ.core.codes import load_file_rows

    Code = apps.get_model("core", "Code")
    for code, name in load_file_rows("division"):
        Code.objects.update_or_create(table="division", code=code, defaults={"name": name, "edition": "2024"})


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(load_divisions, migrations.RunPython.noop)]
