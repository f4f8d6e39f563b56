from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0005_resident_list_order"),
    ]

    operations = [
        migrations.AddField(
            model_name="importjob",
            name="skipped",
            field=models.PositiveIntegerField(
                default=0, help_text="Blank and total rows.", verbose_name="skipped"
            ),
        ),
    ]
