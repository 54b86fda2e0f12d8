"""Audit event types renamed to one style, ``partners.<object>_<past participle>``, with the app
label as prefix (issue 13): the rows already written follow their new names, so history panels
show the words of ``partners.events``."""

from django.db import migrations

RENAMED = {
    "partner.registered": "partners.partner_registered",
    "partner.user_added": "partners.user_added",
    "partner.profile_updated": "partners.profile_updated",
    "partner.hotline_changed": "partners.hotline_changed",
    "partner.contact_set": "partners.contact_set",
    "partner.bank_account_set": "partners.bank_account_set",
    "partner.qualification_added": "partners.qualification_added",
    "partner.qualification_replaced": "partners.qualification_replaced",
    "partner.admitted": "partners.partner_admitted",
    "partner.activated": "partners.partner_activated",
    "partner.suspended": "partners.partner_suspended",
    "partner.resumed": "partners.partner_resumed",
    "partner.restriction_added": "partners.restriction_added",
    "partner.restriction_lifted": "partners.restriction_lifted",
    "partner.change_submitted": "partners.change_request_submitted",
    "partner.change_approved": "partners.change_request_approved",
    "partner.change_second_approved": "partners.change_request_second_approved",
    "partner.change_returned": "partners.change_request_returned",
    "partner.change_rejected": "partners.change_request_rejected",
    "partner.change_applied": "partners.change_request_applied",
}

REMINDERS = ("partner.qualification_reminder_30", "partner.qualification_reminder_7")
REMINDED = "partners.qualification_expiry_reminded"


def forward(apps, schema_editor):
    AuditEvent = apps.get_model("core", "AuditEvent")
    for old, new in RENAMED.items():
        AuditEvent.objects.filter(action=old).update(action=new)
    AuditEvent.objects.filter(action__in=REMINDERS).update(action=REMINDED)


def backward(apps, schema_editor):
    AuditEvent = apps.get_model("core", "AuditEvent")
    for old, new in RENAMED.items():
        AuditEvent.objects.filter(action=new).update(action=old)
    for row in AuditEvent.objects.filter(action=REMINDED).only("pk", "after"):
        days = 7 if "reminded_7_at" in (row.after or {}) else 30
        AuditEvent.objects.filter(pk=row.pk).update(action=f"partner.qualification_reminder_{days}")


class Migration(migrations.Migration):
    dependencies = [("partners", "0004_partnerchangerequest"), ("core", "0002_audit_at_business_clock")]

    operations = [migrations.RunPython(forward, backward)]
