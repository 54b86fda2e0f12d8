"""第二章 二、1: a blacklist entry (a bad credit record) bars applications for half a year.

Entries written before the rule had no end date ("until lifted"); each gets the end the rule gives
it: the day before the same date 6 months after the record. Lifted entries keep their history."""

import datetime as dt

from django.db import migrations


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def forwards(apps, schema_editor):
    Restriction = apps.get_model("partners", "Restriction")
    for r in Restriction.objects.filter(kind="blacklist", ends_on__isnull=True):
        r.ends_on = _add_months(r.starts_on, 6) - dt.timedelta(days=1)
        r.save(update_fields=["ends_on"])


class Migration(migrations.Migration):
    dependencies = [
        ("partners", "0006_business_clock_timestamps"),
    ]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
