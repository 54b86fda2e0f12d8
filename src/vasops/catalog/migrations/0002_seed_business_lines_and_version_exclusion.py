"""Seed the standard business lines and, on PostgreSQL, forbid overlapping version periods."""

from __future__ import annotations

from typing import Any

from django.db import migrations, transaction

PLATFORM_COMMON = ["vac", "boss_it"]  # every product: VAC (subscription/auth) and 信息化部 (BOSS/IT)

LINES = [
    # code, name, PRM A2 service type, platform system, extra form fields (attachment 2)
    ("SMS", "短信", "90", "sms_gateway", [("order_cmd", "订购指令", True), ("cancel_cmd", "退订指令", True)]),
    ("MMS", "彩信", "31", "mms_center", [("order_cmd", "订购指令", True), ("cancel_cmd", "退订指令", True)]),
    ("WAP", "WAP", "05", "wap_gateway", [("enter_url", "WAP 入口地址", True), ("price_url", "计费地址", False)]),
    ("IVR", "IVR", "93", "ivr_platform", [("ivr_number", "IVR 接入号码", True)]),
    ("KJAVA", "KJava", "21", "kjava", [("download_url", "下载地址", True)]),
    ("STREAMING", "流媒体", "80", "streaming", [("enter_url", "播放入口地址", True)]),
    ("LBS", "定位", "42", "lbs", [("location_type", "定位方式（精/粗）", True)]),
    ("CRBT", "炫铃", "70", "crbt", [("ring_count", "铃音数量", False)]),
]


def seed(apps: Any, schema_editor: Any) -> None:
    BusinessLine = apps.get_model("catalog", "BusinessLine")
    for order, (code, name, service_type, system, fields) in enumerate(LINES, start=1):
        BusinessLine.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "service_type": service_type,
                "vas_systems": [system, *PLATFORM_COMMON],
                "extra_fields": [{"name": n, "label": lbl, "required": req} for n, lbl, req in fields],
                "sort_order": order * 10,
            },
        )


def unseed(apps: Any, schema_editor: Any) -> None:
    apps.get_model("catalog", "BusinessLine").objects.filter(code__in=[c for c, *_ in LINES]).delete()


def add_exclusion(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    except Exception:  # no privilege: the action still enforces non-overlap
        return
    schema_editor.execute(
        "ALTER TABLE catalog_productversion ADD CONSTRAINT catalog_version_no_overlap "
        "EXCLUDE USING gist (product_id WITH =, tstzrange(valid_from, valid_to, '[)') WITH &&)"
    )


def drop_exclusion(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE catalog_productversion DROP CONSTRAINT IF EXISTS catalog_version_no_overlap"
        )


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [
        migrations.RunPython(seed, unseed),
        migrations.RunPython(add_exclusion, drop_exclusion),
    ]
