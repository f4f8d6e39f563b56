from django.db import migrations


def load_divisions(apps, schema_editor):
    """Once the 99 counties the demo's residents came from; 0004 now loads the full table (and
    0001 already loads whatever data/division.csv holds), so this has nothing left to add."""


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(load_divisions, migrations.RunPython.noop)]
