import django.db.models.deletion
from django.db import migrations, models


MOVED = ["area", "grid", "microgrid", "historicalarea", "historicalgrid", "historicalmicrogrid"]


def move_content_types(apps, schema_editor, source="registry", target="places"):
    """Keep the content types (and the permissions hanging on them) of the moved models."""
    content_type = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for model in MOVED:
        if not content_type.objects.using(db).filter(app_label=target, model=model).exists():
            content_type.objects.using(db).filter(app_label=source, model=model).update(app_label=target)


def move_content_types_back(apps, schema_editor):
    move_content_types(apps, schema_editor, source="places", target="registry")


class Migration(migrations.Migration):
    dependencies = [
        # Every foreign key to these models names places.* before they leave registry's state.
        ("accounts", "0004_places_foreign_keys"),
        ("cases", "0005_places_foreign_keys"),
        ("insight", "0002_places_foreign_keys"),
        ("places", "0001_initial"),
        ("registry", "0009_places_foreign_keys"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        # Area, Grid, MicroGrid and their history now live in places; their tables stay.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name="historicalarea",
                    name="parent",
                ),
                migrations.RemoveField(
                    model_name="grid",
                    name="community",
                ),
                migrations.RemoveField(
                    model_name="historicalgrid",
                    name="community",
                ),
                migrations.RemoveField(
                    model_name="microgrid",
                    name="grid",
                ),
                migrations.RemoveField(
                    model_name="historicalmicrogrid",
                    name="grid",
                ),
                migrations.RemoveField(
                    model_name="historicalarea",
                    name="history_user",
                ),
                migrations.RemoveField(
                    model_name="historicalgrid",
                    name="history_user",
                ),
                migrations.RemoveField(
                    model_name="historicalmicrogrid",
                    name="history_user",
                ),
                migrations.DeleteModel(
                    name="Area",
                ),
                migrations.DeleteModel(
                    name="Grid",
                ),
                migrations.DeleteModel(
                    name="HistoricalArea",
                ),
                migrations.DeleteModel(
                    name="HistoricalGrid",
                ),
                migrations.DeleteModel(
                    name="HistoricalMicroGrid",
                ),
                migrations.DeleteModel(
                    name="MicroGrid",
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
