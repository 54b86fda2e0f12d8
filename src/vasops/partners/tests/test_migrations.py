"""Data migrations of the partner registry keep existing rows valid."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def _migrate(targets):
    return MigrationExecutor(connection).migrate(targets).apps


@pytest.mark.django_db(transaction=True)
def test_an_open_ended_blacklist_entry_gets_its_half_year_end():
    """partners 0007: a blacklist entry written before the 第二章 二、1 half-year look-back ends
    the day before the same date 6 months after its record; other restrictions keep theirs."""
    try:
        apps = _migrate([("partners", "0006_business_clock_timestamps")])
        Partner = apps.get_model("partners", "Partner")
        Restriction = apps.get_model("partners", "Restriction")
        partner = Partner.objects.create(
            name="迁移企业",
            kind="SP",
            locality="local",
            credit_code="91420100MA4K000011",
            legal_representative="张三",
            address="武汉",
        )
        old = Restriction.objects.create(
            partner=partner, kind="blacklist", reason="不良信用", starts_on=dt.date(2026, 12, 1)
        )
        dated = Restriction.objects.create(
            partner=partner,
            kind="blacklist",
            reason="续期",
            starts_on=dt.date(2026, 1, 1),
            ends_on=dt.date(2026, 12, 31),
        )
        major = Restriction.objects.create(
            partner=partner, kind="major_violation", reason="重大违规", starts_on=dt.date(2026, 1, 1)
        )
        apps = _migrate([("partners", "0007_blacklist_half_year")])
        Restriction = apps.get_model("partners", "Restriction")
        assert Restriction.objects.get(pk=old.pk).ends_on == dt.date(2027, 5, 31)
        assert Restriction.objects.get(pk=dated.pk).ends_on == dt.date(2026, 12, 31)
        assert Restriction.objects.get(pk=major.pk).ends_on is None
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
