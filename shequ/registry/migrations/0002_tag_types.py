from django.db import migrations

# Key populations as community workers name them. `restricted` tags (PIPL sensitive personal
# information) are visible only to roles that hold view_key_populations.
TAGS = [
    # code, name, group, restricted, visit interval (days)
    ("elderly_alone", "独居老人", "一老一小", False, 7),
    ("empty_nest", "空巢老人", "一老一小", False, 30),
    ("oldest_old", "高龄老人", "一老一小", False, 30),
    ("left_behind_child", "留守儿童", "一老一小", False, 30),
    ("disabled", "残疾人", "困难群体", True, 30),
    ("dibao", "低保对象", "困难群体", True, 90),
    ("tekun", "特困人员", "困难群体", True, 30),
    ("assistance", "救助对象", "困难群体", True, 90),
    ("veteran", "退役军人", "优抚对象", False, None),
    ("released_prisoner", "刑满释放人员", "特殊人群", True, 30),
    ("community_correction", "社区矫正对象", "特殊人群", True, 7),
    ("drug_rehab", "社区戒毒康复人员", "特殊人群", True, 30),
    ("severe_mental", "严重精神障碍患者", "特殊人群", True, 14),
    ("key_petitioner", "重点信访人员", "特殊人群", True, 30),
]


def load(apps, schema_editor):
    TagType = apps.get_model("registry", "TagType")
    for i, (code, name, group, restricted, interval) in enumerate(TAGS):
        TagType.objects.update_or_create(
            code=code,
            defaults={"name": name, "group": group, "restricted": restricted,
                      "visit_interval_days": interval, "sort": i * 10},
        )


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
