"""Audit event types renamed to one style, ``admission.<object>_<past participle>``, with the app
label as prefix (issue 13): the rows already written follow their new names, so history panels
show the words of ``admission.events``."""

from django.db import migrations

RENAMED = {
    "admission.initial_approved": "admission.initial_review_approved",
    "admission.initial_returned": "admission.initial_review_returned",
    "admission.initial_rejected": "admission.initial_review_rejected",
    "admission.accepted": "admission.application_accepted",
    "admission.deferred": "admission.application_deferred",
    "admission.rejected": "admission.application_rejected",
    "admission.data_change_raised": "admission.data_change_orders_raised",
    "admission.opened": "admission.access_opened",
    "admission.exam_published": "admission.exam_results_published",
    "admission.review_scheduled": "admission.review_meeting_scheduled",
    "admission.review_absent": "admission.review_missed",
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
    dependencies = [("admission", "0003_catalog_owns_lines_and_pools"), ("core", "0002_audit_at_business_clock")]

    operations = [migrations.RunPython(forward, backward)]
