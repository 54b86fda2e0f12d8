"""The VAC's audit action codes take the ``vac.<object>_<past participle>`` form of vac.events."""

from django.db import migrations, models

RENAMED = {
    "vac.subscribe": "vac.subscription_created",
    "vac.confirm": "vac.subscription_confirmed",
    "vac.confirm_too_late": "vac.subscription_dropped",
    "vac.unsubscribe": "vac.subscription_cancelled",
}


def _rename(apps, pairs):
    # a plain QuerySet: the audit trail refuses updates everywhere else (append-only), this
    # vocabulary change is the one rewrite of its action codes
    audit_event = apps.get_model("core", "AuditEvent")
    for old, new in pairs:
        models.QuerySet(model=audit_event).filter(action=old).update(action=new)


def forwards(apps, schema_editor):
    _rename(apps, RENAMED.items())


def backwards(apps, schema_editor):
    _rename(apps, ((new, old) for old, new in RENAMED.items()))


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_audit_at_business_clock"),
        ("vac", "0008_wire_cdr_link_sms_crm_exceptions"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
