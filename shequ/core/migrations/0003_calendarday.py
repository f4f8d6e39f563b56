from django.db import migrations, models


def load_calendar(apps, schema_editor):
    """Official holidays and make-up working days (State Council notices), from data/calendar.csv.
    Rows an admin already entered win, so this can run again."""
    from shequ.core.calendar import read_calendar_file

    CalendarDay = apps.get_model("core", "CalendarDay")
    CalendarDay.objects.bulk_create(
        [CalendarDay(date=day, kind=kind, name=name) for day, kind, name in read_calendar_file()],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [("core", "0002_more_divisions")]

    operations = [
        migrations.CreateModel(
            name="CalendarDay",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
                ("date", models.DateField(unique=True, verbose_name="date")),
                (
                    "kind",
                    models.CharField(
                        choices=[("holiday", "Holiday (day off)"), ("workday", "Make-up working day")],
                        max_length=16,
                        verbose_name="kind",
                    ),
                ),
                (
                    "name",
                    models.CharField(
                        blank=True, help_text="For example 春节 or 国庆节调休.", max_length=64, verbose_name="name"
                    ),
                ),
            ],
            options={"verbose_name": "calendar day", "verbose_name_plural": "calendar days", "ordering": ["date"]},
        ),
        migrations.RunPython(load_calendar, migrations.RunPython.noop),
    ]
