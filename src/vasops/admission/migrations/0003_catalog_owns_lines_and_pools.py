"""The catalogue owns business lines and resource pools (issue 13).

* Admission's own business-line codes (``sms``, ``wap`` …) become foreign keys to
  ``catalog.BusinessLine`` (``SMS``, ``WAP`` …): the applied products, the access-test results and
  the application's business lines (a JSON list, now a many-to-many). Partner restrictions that
  name a business line by admission's code are renamed to the catalogue's code.
* Admission's enterprise-code / access-number pools and their allocated numbers move to
  ``catalog.ResourcePool`` / ``catalog.ResourceAllocation`` (every allocation kept, with the
  application's partner and number in its reason); the pools' audit history follows them.

Reversible: the backward step copies the number pools and allocations back and lowers the codes.
"""

import django.db.models.deletion
from django.db import migrations, models

# admission code -> catalog code (catalog migration 0002 seeds all six)
LINE_CODES = {
    "sms": "SMS",
    "mms": "MMS",
    "wap": "WAP",
    "ivr": "IVR",
    "streaming": "STREAMING",
    "kjava": "KJAVA",
}
# labels of admission's former list, used only if a catalogue line is missing
LINE_NAMES = {
    "SMS": ("短信", "90"),
    "MMS": ("彩信", "31"),
    "WAP": ("WAP", "05"),
    "IVR": ("IVR", "93"),
    "STREAMING": ("流媒体", "80"),
    "KJAVA": ("KJava", "21"),
}
NUMBER_KINDS = ("enterprise_code", "service_access_number")


def _catalog_code(code):
    code = str(code or "")
    return LINE_CODES.get(code, LINE_CODES.get(code.lower(), code.upper()))


def _line(BusinessLine, code):
    code = _catalog_code(code)
    line = BusinessLine.objects.filter(code=code).first()
    if line is None:
        name, service_type = LINE_NAMES.get(code, (code, "00"))
        line = BusinessLine.objects.create(code=code, name=name, service_type=service_type, sort_order=900)
    return line


def forward_lines(apps, schema_editor):
    BusinessLine = apps.get_model("catalog", "BusinessLine")
    Application = apps.get_model("admission", "Application")
    ApplicationProduct = apps.get_model("admission", "ApplicationProduct")
    AccessTestResult = apps.get_model("admission", "AccessTestResult")
    Restriction = apps.get_model("partners", "Restriction")
    for app in Application.objects.all():
        lines = [_line(BusinessLine, code) for code in dict.fromkeys(app.business_lines or [])]
        app.line_set.set(lines)
    for row in ApplicationProduct.objects.all():
        row.line = _line(BusinessLine, row.business_line)
        row.save(update_fields=["line"])
    for row in AccessTestResult.objects.all():
        row.line = _line(BusinessLine, row.business_line)
        row.save(update_fields=["line"])
    for old, new in LINE_CODES.items():
        Restriction.objects.filter(business_line=old).update(business_line=new)


def backward_lines(apps, schema_editor):
    Application = apps.get_model("admission", "Application")
    ApplicationProduct = apps.get_model("admission", "ApplicationProduct")
    AccessTestResult = apps.get_model("admission", "AccessTestResult")
    Restriction = apps.get_model("partners", "Restriction")
    lower = {new: old for old, new in LINE_CODES.items()}
    for app in Application.objects.all():
        app.business_lines = [lower.get(line.code, line.code) for line in app.line_set.order_by("sort_order")]
        app.save(update_fields=["business_lines"])
    for model in (ApplicationProduct, AccessTestResult):
        for row in model.objects.select_related("line"):
            row.business_line = lower.get(row.line.code, row.line.code)
            row.save(update_fields=["business_line"])
    for new, old in lower.items():
        Restriction.objects.filter(business_line=new).update(business_line=old)


def forward_pools(apps, schema_editor):
    OldPool = apps.get_model("admission", "ResourcePool")
    AllocatedNumber = apps.get_model("admission", "AllocatedNumber")
    Pool = apps.get_model("catalog", "ResourcePool")
    Allocation = apps.get_model("catalog", "ResourceAllocation")
    Partner = apps.get_model("partners", "Partner")
    AuditEvent = apps.get_model("core", "AuditEvent")
    for old in OldPool.objects.order_by("id"):
        pool = Pool.objects.create(
            kind=old.kind,
            name=old.name,
            range_start=old.range_start,
            range_end=old.range_end,
            explicit_numbers=old.explicit_numbers,
            capacity=old.capacity,
            is_active=old.is_active,
        )
        Pool.objects.filter(pk=pool.pk).update(created_at=old.created_at)
        for row in AllocatedNumber.objects.filter(pool_id=old.pk).select_related("application").order_by("id"):
            app = row.application
            partner_id = app.partner_id if app is not None else None
            if partner_id is None:
                holder = Partner.objects.filter(**{row.kind: row.number}).first()
                partner_id = holder.pk if holder is not None else None
            allocation = Allocation.objects.create(
                pool_id=pool.pk,
                kind=row.kind,
                number=row.number,
                partner_id=partner_id,
                quantity=1,
                reason=f"准入申请 {app.number} 准入通过" if app is not None else "",
            )
            Allocation.objects.filter(pk=allocation.pk).update(allocated_at=row.allocated_at)
        # the pool's history follows it (AuditEvent is append-only for the application; a data
        # migration moving rows to their new object is the one exception)
        AuditEvent.objects.filter(object_type="admission.resourcepool", object_id=str(old.pk)).update(
            object_type="catalog.resourcepool", object_id=str(pool.pk)
        )


def backward_pools(apps, schema_editor):
    OldPool = apps.get_model("admission", "ResourcePool")
    AllocatedNumber = apps.get_model("admission", "AllocatedNumber")
    Application = apps.get_model("admission", "Application")
    Pool = apps.get_model("catalog", "ResourcePool")
    Allocation = apps.get_model("catalog", "ResourceAllocation")
    AuditEvent = apps.get_model("core", "AuditEvent")
    for pool in Pool.objects.filter(kind__in=NUMBER_KINDS).order_by("id"):
        old = OldPool.objects.create(
            kind=pool.kind,
            name=pool.name,
            range_start=pool.range_start,
            range_end=pool.range_end,
            explicit_numbers=pool.explicit_numbers,
            capacity=pool.capacity,
            is_active=pool.is_active,
        )
        for row in Allocation.objects.filter(pool_id=pool.pk, released_at__isnull=True).order_by("id"):
            app = Application.objects.filter(
                partner_id=row.partner_id, **{row.kind: row.number}
            ).first()
            AllocatedNumber.objects.create(
                pool_id=old.pk, kind=row.kind, number=row.number, application_id=app.pk if app else None
            )
        AuditEvent.objects.filter(object_type="catalog.resourcepool", object_id=str(pool.pk)).update(
            object_type="admission.resourcepool", object_id=str(old.pk)
        )
        # plain DELETEs: the reverse state renders the catalogue's models twice, so the ORM's
        # cascade collector cannot compare them
        alias = schema_editor.connection.alias
        Allocation.objects.filter(pool_id=pool.pk)._raw_delete(alias)
        Pool.objects.filter(pk=pool.pk)._raw_delete(alias)


class Migration(migrations.Migration):
    dependencies = [
        ("admission", "0002_console_list_indexes"),
        ("catalog", "0005_one_pool_model"),
        ("partners", "0004_partnerchangerequest"),
        ("core", "0002_audit_at_business_clock"),
    ]

    operations = [
        # 1. new references beside the old codes
        migrations.AddField(
            model_name="application",
            name="line_set",
            field=models.ManyToManyField(blank=True, related_name="+", to="catalog.businessline"),
        ),
        migrations.AddField(
            model_name="applicationproduct",
            name="line",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="catalog.businessline"
            ),
        ),
        migrations.AddField(
            model_name="accesstestresult",
            name="line",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="catalog.businessline"
            ),
        ),
        migrations.RunPython(forward_lines, backward_lines),
        # 2. the codes go, the references take their names (a default first, so that the
        #    backward step can re-add the code columns to tables that have rows)
        migrations.AlterField(
            model_name="applicationproduct",
            name="business_line",
            field=models.CharField(blank=True, default="", max_length=30, verbose_name="业务类别"),
        ),
        migrations.AlterField(
            model_name="accesstestresult",
            name="business_line",
            field=models.CharField(blank=True, default="", max_length=30, verbose_name="业务类别"),
        ),
        migrations.RemoveField(model_name="application", name="business_lines"),
        migrations.RemoveField(model_name="applicationproduct", name="business_line"),
        migrations.RemoveField(model_name="accesstestresult", name="business_line"),
        migrations.RenameField(model_name="application", old_name="line_set", new_name="business_lines"),
        migrations.RenameField(model_name="applicationproduct", old_name="line", new_name="business_line"),
        migrations.RenameField(model_name="accesstestresult", old_name="line", new_name="business_line"),
        migrations.AlterField(
            model_name="application",
            name="business_lines",
            field=models.ManyToManyField(
                blank=True, related_name="+", to="catalog.businessline", verbose_name="申请业务类别"
            ),
        ),
        migrations.AlterField(
            model_name="applicationproduct",
            name="business_line",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="catalog.businessline",
                verbose_name="业务类别",
            ),
        ),
        migrations.AlterField(
            model_name="accesstestresult",
            name="business_line",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="catalog.businessline",
                verbose_name="业务类别",
            ),
        ),
        migrations.AlterField(
            model_name="applicationproduct",
            name="billing_mode",
            field=models.CharField(
                choices=[
                    ("monthly", "包月"),
                    ("per_item", "按条"),
                    ("per_use", "按次"),
                    ("free", "免费"),
                    ("capped", "封顶"),
                ],
                max_length=20,
                verbose_name="计费方式",
            ),
        ),
        migrations.AlterModelOptions(
            name="applicationproduct",
            options={
                "ordering": ["business_line__sort_order", "id"],
                "verbose_name": "申请产品",
                "verbose_name_plural": "申请产品",
            },
        ),
        # 3. the number pools move to the catalogue
        migrations.RunPython(forward_pools, backward_pools),
        migrations.DeleteModel(name="AllocatedNumber"),
        migrations.DeleteModel(name="ResourcePool"),
        migrations.AlterModelOptions(
            name="admissionsettings",
            options={
                "permissions": [("manage_admission_settings", "维护准入受理月份")],
                "verbose_name": "准入设置",
                "verbose_name_plural": "准入设置",
            },
        ),
        migrations.AlterModelOptions(
            name="application",
            options={
                "ordering": ["-created_at"],
                "permissions": [
                    ("review_application", "初审准入申请"),
                    ("decide_application", "作出准入决定"),
                    ("manage_preparation", "系统准备、接入测试、开通"),
                    ("manage_contract", "签订合同"),
                ],
                "verbose_name": "准入申请",
                "verbose_name_plural": "准入申请",
            },
        ),
    ]
