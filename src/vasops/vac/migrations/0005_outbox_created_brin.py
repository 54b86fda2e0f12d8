"""A day's notifications for the order-relation sync files (VAC.md C.1) without a scan of the
whole outbox: a BRIN index on ``created_at`` (rows arrive in time order; a few pages of summary
and next to nothing per insert on the hot path). PostgreSQL only; the SQLite demo scans."""

from django.db import migrations


def create(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS vac_outbox_created_brin ON vac_notifyoutbox USING brin (created_at)"
        )


def drop(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS vac_outbox_created_brin")


class Migration(migrations.Migration):
    dependencies = [("vac", "0004_syncfile")]
    operations = [migrations.RunPython(create, drop)]
