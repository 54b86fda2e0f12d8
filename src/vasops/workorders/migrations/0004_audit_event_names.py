"""Audit event types renamed to one style, ``workorders.<object>_<past participle>``, with the app
label as prefix (issue 13): the rows already written follow their new names, so history panels
show the words of ``workorders.events``."""

from django.db import migrations

RENAMED = {
    "workorders.open": "workorders.work_order_opened",
    "workorders.assign": "workorders.work_order_assigned",
    "workorders.start": "workorders.work_order_started",
    "workorders.advance": "workorders.work_order_advanced",
    "workorders.resolve": "workorders.work_order_resolved",
    "workorders.close": "workorders.work_order_closed",
    "workorders.reopen": "workorders.work_order_reopened",
    "workorders.comment": "workorders.comment_added",
    "workorders.overdue": "workorders.deadline_missed",
    "workorders.escalate": "workorders.work_order_escalated",
}

def forward(apps, schema_editor):
    AuditEvent = apps.get_model("core", "AuditEvent")
    for old, new in RENAMED.items():
        AuditEvent.objects.filter(action=old).update(action=new)


def backward(apps, schema_editor):
    AuditEvent = apps.get_model("core", "AuditEvent")
    for old, new in RENAMED.items():
        AuditEvent.objects.filter(action=new).update(action=old)


class Migration(migrations.Migration):
    dependencies = [("workorders", "0003_overdue_partial_indexes"), ("core", "0002_audit_at_business_clock")]

    operations = [migrations.RunPython(forward, backward)]
