"""Organisations' contact phones sealed like residents' numbers (core/sealed.py, ADR 0002).

The sealed columns are added, every current and historical value is sealed with the keys in the
settings (SHEQU_FIELD_KEY, SHEQU_HASH_KEY), and the plain column is dropped, so no copy of a
contact phone is left in clear. Going back decrypts them into the plain column again.
"""

from django.db import migrations, models

from shequ.core import crypto
from shequ.core.sealed import SealKind, seal

PURPOSE = "organization_phone"  # registry.models.ORGANIZATION_PHONE when this was written
MODELS = ("Organization", "HistoricalOrganization")
BATCH = 1000
FIELDS = ["contact_phone_cipher", "contact_phone_digest", "contact_phone_masked", "contact_phone"]


def seal_contact_phones(apps, schema_editor):
    for name in MODELS:
        model = apps.get_model("registry", name)
        rows = model._base_manager.exclude(contact_phone="").only("pk", "contact_phone")
        changed = []
        for row in rows.iterator(chunk_size=BATCH):
            value = seal(row.contact_phone, SealKind.PHONE, purpose=PURPOSE)
            row.contact_phone_cipher, row.contact_phone_digest = value.cipher, value.digest
            row.contact_phone_masked, row.contact_phone = value.masked, ""
            changed.append(row)
            if len(changed) >= BATCH:
                model._base_manager.bulk_update(changed, FIELDS)
                changed = []
        model._base_manager.bulk_update(changed, FIELDS)


def unseal_contact_phones(apps, schema_editor):
    for name in MODELS:
        model = apps.get_model("registry", name)
        rows = model._base_manager.exclude(contact_phone_cipher="").only("pk", "contact_phone_cipher")
        changed = []
        for row in rows.iterator(chunk_size=BATCH):
            row.contact_phone = crypto.decrypt(row.contact_phone_cipher)
            changed.append(row)
        model._base_manager.bulk_update(changed, ["contact_phone"], batch_size=BATCH)


def sealed_columns(model_name):
    return [
        migrations.AddField(
            model_name=model_name,
            name="contact_phone_cipher",
            field=models.TextField(blank=True, verbose_name="contact phone (encrypted)"),
        ),
        migrations.AddField(
            model_name=model_name,
            name="contact_phone_digest",
            field=models.CharField(blank=True, max_length=64, verbose_name="contact phone (digest)"),
        ),
        migrations.AddField(
            model_name=model_name,
            name="contact_phone_masked",
            field=models.CharField(blank=True, max_length=32, verbose_name="contact phone"),
        ),
    ]


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0005_resident_list_order"),
    ]

    operations = [
        *sealed_columns("organization"),
        *sealed_columns("historicalorganization"),
        migrations.RunPython(seal_contact_phones, unseal_contact_phones),
        migrations.RemoveField(model_name="historicalorganization", name="contact_phone"),
        migrations.RemoveField(model_name="organization", name="contact_phone"),
    ]
