import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_login_lock_by_username_and_address"),
        ("places", "0001_initial"),
    ]

    operations = [
        # The foreign keys now name places.Area and places.Grid: same tables, so nothing changes in the database.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="roleassignment",
                    name="area",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="places.area",
                        verbose_name="area",
                    ),
                ),
                migrations.AlterField(
                    model_name="roleassignment",
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
            ],
            database_operations=[],
        ),
    ]
