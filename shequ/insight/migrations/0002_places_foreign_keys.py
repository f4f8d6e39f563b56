import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("insight", "0001_community_figures"),
        ("places", "0001_initial"),
    ]

    operations = [
        # The foreign key now names places.Area: same table, so nothing changes in the database.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="communityfigures",
                    name="community",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="places.area",
                        verbose_name="community",
                    ),
                ),
            ],
            database_operations=[],
        ),
    ]
