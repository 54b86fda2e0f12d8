"""One pool model for every resource (issue 13): the channel/E1 pools grow the number-pool fields
(range, listed numbers) and their allocations a kind and a number, so admission's enterprise-code
and access-number pools move here (admission migration 0003 copies them)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

KINDS = [
    ("enterprise_code", "企业代码"),
    ("service_access_number", "业务接入号"),
    ("channel", "通道配额"),
    ("e1", "E1 线路"),
]


def fill_allocation_kind(apps, schema_editor):
    ResourcePool = apps.get_model("catalog", "ResourcePool")
    ResourceAllocation = apps.get_model("catalog", "ResourceAllocation")
    for pool in ResourcePool.objects.all():
        ResourceAllocation.objects.filter(pool=pool).update(kind=pool.kind)


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0004_review_queue_index"),
        ("partners", "0004_partnerchangerequest"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="resourcepool",
            options={
                "ordering": ["kind", "business_line__sort_order", "id"],
                "permissions": [("manage_resources", "管理资源池：企业代码、业务接入号、通道配额与 E1 线路")],
                "verbose_name": "资源池",
                "verbose_name_plural": "资源池",
            },
        ),
        migrations.AddField(
            model_name="resourceallocation",
            name="kind",
            field=models.CharField(choices=KINDS, default="", max_length=30, verbose_name="资源类型"),
            preserve_default=False,
        ),
        migrations.RunPython(fill_allocation_kind, migrations.RunPython.noop),
        migrations.AddField(
            model_name="resourceallocation",
            name="number",
            field=models.CharField(blank=True, max_length=21, verbose_name="号码"),
        ),
        migrations.AddField(
            model_name="resourcepool",
            name="explicit_numbers",
            field=models.TextField(blank=True, help_text="逗号或换行分隔", verbose_name="指定号码"),
        ),
        migrations.AddField(
            model_name="resourcepool",
            name="range_end",
            field=models.CharField(blank=True, max_length=21, verbose_name="号段止"),
        ),
        migrations.AddField(
            model_name="resourcepool",
            name="range_start",
            field=models.CharField(blank=True, max_length=21, verbose_name="号段起"),
        ),
        migrations.AlterField(
            model_name="resourceallocation",
            name="partner",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="partners.partner",
            ),
        ),
        migrations.AlterField(
            model_name="resourcepool",
            name="business_line",
            field=models.ForeignKey(
                blank=True,
                help_text="通道配额与 E1 线路按业务线配置；企业代码与业务接入号不分业务线",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="resource_pools",
                to="catalog.businessline",
            ),
        ),
        migrations.AlterField(
            model_name="resourcepool",
            name="capacity",
            field=models.PositiveIntegerField(
                default=0,
                help_text="通道数 / E1 线路数；号码类：最多可分配的号码数，0 表示号段内全部号码",
                verbose_name="容量",
            ),
        ),
        migrations.AlterField(
            model_name="resourcepool",
            name="kind",
            field=models.CharField(choices=KINDS, max_length=30, verbose_name="资源类型"),
        ),
        migrations.AddConstraint(
            model_name="resourceallocation",
            constraint=models.UniqueConstraint(
                condition=models.Q(models.Q(("number", ""), _negated=True), ("released_at__isnull", True)),
                fields=("kind", "number"),
                name="catalog_allocation_number_held_once",
            ),
        ),
    ]
