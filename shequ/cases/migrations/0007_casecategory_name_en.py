"""Case categories get an English name for English pages; the default ones get theirs from
data/categories.csv (`name_en`).

A category an admin has renamed keeps a blank English name (its pages show the Chinese name)
rather than a translation of a name it no longer has. The demo builder uses `fill` after a `flush`.
"""

import csv
from pathlib import Path

from django.db import migrations, models

DATA = Path(__file__).resolve().parent.parent / "data" / "categories.csv"


def fill(apps, schema_editor):
    Category = apps.get_model("cases", "CaseCategory")
    with DATA.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row.get("name_en"):
                Category.objects.filter(code=row["code"], name=row["name"], name_en="").update(
                    name_en=row["name_en"]
                )


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0006_placed_bases_unit_path_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="casecategory",
            name="name_en",
            field=models.CharField(blank=True, max_length=100, verbose_name="English name"),
        ),
        migrations.AddField(
            model_name="historicalcasecategory",
            name="name_en",
            field=models.CharField(blank=True, max_length=100, verbose_name="English name"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
