from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0006_organization_contact_sealed"),
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
