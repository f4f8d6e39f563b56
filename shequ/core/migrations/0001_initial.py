from django.db import migrations, models


def load_codes(apps, schema_editor):
    from shequ.core.codes import load_file_rows

    Code = apps.get_model("core", "Code")
    tables = ["sex", "marital_status", "ethnicity", "political_status", "education",
              "relationship", "disability_category", "disability_grade", "division"]
    Code.objects.bulk_create(
        [Code(table=t, code=c, name=n, edition="2024") for t in tables for c, n in load_file_rows(t)],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Code",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("table", models.CharField(choices=[("sex", "Sex (GB/T 2261.1)"), ("marital_status", "Marital status (GB/T 2261.2)"), ("ethnicity", "Ethnicity (GB 3304)"), ("political_status", "Political status (GB/T 4762)"), ("education", "Education (GB/T 4658)"), ("relationship", "Family relationship (GB/T 4761)"), ("disability_category", "Disability category (GB/T 26341)"), ("disability_grade", "Disability grade (GB/T 26341)"), ("division", "Administrative division (GB/T 2260)")], max_length=32, verbose_name="code table")),
                ("code", models.CharField(max_length=12, verbose_name="code")),
                ("name", models.CharField(max_length=64, verbose_name="name")),
                ("edition", models.CharField(blank=True, help_text="Year of the table this code is from.", max_length=16, verbose_name="edition")),
                ("active", models.BooleanField(default=True, verbose_name="in use")),
            ],
            options={"verbose_name": "code", "verbose_name_plural": "codes", "ordering": ["table", "code"]},
        ),
        migrations.AddConstraint(
            model_name="code",
            constraint=models.UniqueConstraint(fields=("table", "code"), name="core_code_unique"),
        ),
        migrations.RunPython(load_codes, migrations.RunPython.noop),
    ]
