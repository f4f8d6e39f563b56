import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0004_category_published_on_open311"),
        ("places", "0001_initial"),
    ]

    operations = [
        # The foreign keys now name places.Area and places.Grid: same tables, so nothing changes in the database.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="case",
                    name="community",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="cases",
                        to="places.area",
                        verbose_name="community",
                    ),
                ),
                migrations.AlterField(
                    model_name="case",
                    name="grid",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="cases",
                        to="places.grid",
                        verbose_name="grid",
                    ),
                ),
                migrations.AlterField(
                    model_name="casewarning",
                    name="community",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="places.area",
                        verbose_name="community",
                    ),
                ),
                migrations.AlterField(
                    model_name="casewarning",
                    name="grid",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="places.grid",
                        verbose_name="grid",
                    ),
                ),
                migrations.AlterField(
                    model_name="handlerunit",
                    name="area",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="handler_units",
                        to="places.area",
                        verbose_name="serves",
                    ),
                ),
                migrations.AlterField(
                    model_name="historicalhandlerunit",
                    name="area",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="places.area",
                        verbose_name="serves",
                    ),
                ),
            ],
            database_operations=[],
        ),
    ]
