"""The VAC's audit action codes take the ``vac.<object>_<past participle>`` form of vac.events."""

from django.db import migrations

RENAMED = {
    "vac.subscribe": "vac.subscription_created",
    "vac.confirm": "vac.subscription_confirmed",
    "vac.confirm_too_late": "vac.subscription_dropped",
    "vac.unsubscribe": "vac.subscription_cancelled",
}


def forwards(apps, schema_editor):
    AuditEvent = apps.get_model("core", "AuditEvent")
    for old, new in RENAMED.items():
        AuditEvent.objects.filter(action=old).update(action=new)


def backwards(apps, schema_editor):
    AuditEvent = apps.get_model("core", "AuditEvent")
    for old, new in RENAMED.items():
        AuditEvent.objects.filter(action=new).update(action=old)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_audit_at_business_clock"),
        ("vac", "0008_wire_cdr_link_sms_crm_exceptions"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
