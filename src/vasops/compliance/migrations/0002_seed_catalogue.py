"""Seed the violation catalogue with the typical VAS violations (issue 9; staff edit them later,
each edit a new version) and the one settings row with the default numbers."""

from django.db import migrations

# code, name, grade, points, penalty (fen), consequence, description
TYPES = [
    ("unauthorised_order", "未经用户确认订购（暗扣）", "major", 10, 10_000_000, "block_product",
     "用户未明确同意即被订购或扣费（暗扣、乱扣费）。"),
    ("misleading_promotion", "虚假或误导性宣传", "serious", 5, 2_000_000, "none",
     "宣传未清晰告知资费、订购方式、退订方式，或以免费等名义诱导订购。"),
    ("no_second_confirmation", "未执行二次确认", "serious", 5, 3_000_000, "block_product",
     "从非可信渠道订购计费产品未经用户二次确认。"),
    ("charge_after_unsubscribe", "退订后继续扣费", "major", 10, 5_000_000, "block_product",
     "用户退订后仍被收取信息费。"),
    ("spam_mt", "垃圾短信 / 未经请求下发", "serious", 5, 2_000_000, "block_line",
     "向未订购用户下发营销或业务信息。"),
    ("illegal_content", "传播违法不良信息", "major", 10, 10_000_000, "exit_product",
     "业务内容违反国家法律法规或含有不良信息。"),
    ("kpi_below_threshold", "运维指标连续不达标", "general", 2, 0, "none",
     "SP 运维 KPI 连续 N 个考核期低于门限。"),
    ("repeated_major", "一年内多次重大违约", "major", 10, 0, "exit_partner",
     "同一考核年度内再次发生重大违约：合作伙伴退出，6 个月内不得接入该业务类。"),
]


def seed(apps, schema_editor):
    ViolationType = apps.get_model("compliance", "ViolationType")
    ComplianceSettings = apps.get_model("compliance", "ComplianceSettings")
    for code, name, grade, points, penalty, consequence, description in TYPES:
        ViolationType.objects.get_or_create(
            code=code,
            version=1,
            defaults={
                "name": name,
                "grade": grade,
                "points": points,
                "penalty_fen": penalty,
                "consequence": consequence,
                "description": description,
                "is_current": True,
            },
        )
    ComplianceSettings.objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("compliance", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
