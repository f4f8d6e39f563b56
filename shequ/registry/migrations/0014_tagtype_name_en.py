"""Key-population tags get an English name for English pages; the seeded tags get theirs.

A tag an admin has renamed keeps a blank English name (its page shows the Chinese name) rather
than a translation of a name it no longer has. The demo builder uses `fill` after a `flush`.
"""

from django.db import migrations, models

# code -> (the seeded Chinese name, its English name)
TAGS_EN = {
    "elderly_alone": ("独居老人", "Elderly living alone"),
    "empty_nest": ("空巢老人", "Empty-nest elderly"),
    "oldest_old": ("高龄老人", "Elderly aged 80 and over"),
    "left_behind_child": ("留守儿童", "Left-behind children"),
    "disabled": ("残疾人", "People with disabilities"),
    "dibao": ("低保对象", "Minimum living allowance recipients"),
    "tekun": ("特困人员", "People in extreme poverty"),
    "assistance": ("救助对象", "Social assistance recipients"),
    "veteran": ("退役军人", "Veterans"),
    "released_prisoner": ("刑满释放人员", "Released prisoners"),
    "community_correction": ("社区矫正对象", "People under community correction"),
    "drug_rehab": ("社区戒毒康复人员", "People in community drug rehabilitation"),
    "severe_mental": ("严重精神障碍患者", "People with severe mental disorders"),
    "key_petitioner": ("重点信访人员", "Key petitioners"),
}


def fill(apps, schema_editor):
    TagType = apps.get_model("registry", "TagType")
    for code, (name, name_en) in TAGS_EN.items():
        TagType.objects.filter(code=code, name=name, name_en="").update(name_en=name_en)


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0013_resident_login"),
    ]

    operations = [
        migrations.AddField(
            model_name="tagtype",
            name="name_en",
            field=models.CharField(blank=True, max_length=64, verbose_name="English name"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
