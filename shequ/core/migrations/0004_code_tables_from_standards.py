from django.db import migrations


def sync_code_tables(apps, schema_editor):
    """Bring every code table to its data file: GB/T 4761-2008 complete, GB/T 4762 and GB/T 4658-2006
    names, the full division table with the codes since retired, each row with its edition. It
    upserts, so it can run again (and does, whenever a data file changes, through a new migration
    that calls it)."""
    from shequ.core.codes import clear_cache, sync_tables

    sync_tables(apps.get_model("core", "Code"))
    clear_cache()


class Migration(migrations.Migration):
    dependencies = [("core", "0003_calendarday")]
    operations = [migrations.RunPython(sync_code_tables, migrations.RunPython.noop)]
