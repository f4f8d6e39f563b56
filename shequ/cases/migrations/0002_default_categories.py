"""Default case categories with their time limits, and the default escalation rules (STANDARDS.md).

County admins change both afterwards; the defaults follow hotline practice: a reminder a working
day after a deadline, supervision five working days late.
"""

import csv
from decimal import Decimal
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "categories.csv"

RULES = [
    ("accept", "8", "remind"),
    ("accept", "16", "escalate"),
    ("dispatch", "8", "remind"),
    ("dispatch", "16", "escalate"),
    ("handle", "8", "remind"),
    ("handle", "40", "supervise"),
    ("verify", "8", "remind"),
]


def load(apps, schema_editor):
    Category = apps.get_model("cases", "CaseCategory")
    Rule = apps.get_model("cases", "EscalationRule")
    with DATA.open(encoding="utf-8") as f:
        for sort, row in enumerate(csv.DictReader(f)):
            parent = Category.objects.get(code=row["parent"]) if row["parent"] else None
            Category.objects.update_or_create(
                code=row["code"],
                defaults={
                    "name": row["name"],
                    "parent": parent,
                    "description": row["description"],
                    "public": row["public"] == "1",
                    "sort": sort,
                    **{f: Decimal(row[f]) for f in ("accept_hours", "dispatch_hours", "handle_hours", "verify_hours")},
                },
            )
    if not Rule.objects.exists():
        for stage, hours, action in RULES:
            Rule.objects.create(stage=stage, overdue_hours=Decimal(hours), action=action)


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
