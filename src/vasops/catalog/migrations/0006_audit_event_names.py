"""Audit event types renamed to one style, ``catalog.<object>_<past participle>``, with the app
label as prefix (issue 13): the rows already written follow their new names, so history panels
show the words of ``catalog.events``."""

from django.db import migrations

RENAMED = {
    "catalog.configuration_done": "catalog.configuration_finished",
    "catalog.change_effective": "catalog.change_applied",
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
    dependencies = [("catalog", "0005_one_pool_model"), ("core", "0002_audit_at_business_clock")]

    operations = [migrations.RunPython(forward, backward)]
