"""What a user was charged: PostgreSQL for the days it still holds, the Parquet export for the
days before its oldest row (exported and dropped after the retention period) — never both."""

from __future__ import annotations

import datetime as dt

import pytest

from vasops.complaints import cdrs
from vasops.complaints.tests import factories
from vasops.core import clock
from vasops.vac import export
from vasops.vac.models import UsageRecord

pytestmark = pytest.mark.django_db
MSISDN = "13012345678"


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=clock.SHANGHAI)


def test_a_period_reaching_back_past_the_retention_reads_the_parquet_export(product, other_product, tmp_path):
    old, recent = dt.date(2026, 11, 10), dt.date(2026, 12, 1)
    factories.cdr(MSISDN, product, 300, at(old))
    factories.cdr(MSISDN, other_product, 7, at(old))  # another product: not counted
    factories.cdr("13099999999", product, 9, at(old))  # another user: not counted
    factories.cdr(MSISDN, product, 200, at(recent, 23))  # 23:00 Shanghai is still Dec 1
    export.export_day(old, root=tmp_path)
    # while PostgreSQL still holds the old day, it is read from there, not twice
    assert cdrs.charged_fen(MSISDN, product.pk, dt.date(2026, 11, 1), recent, root=tmp_path) == 500
    UsageRecord.objects.filter(at__lt=at(recent, 0)).delete()  # the retention drop
    assert cdrs.charged_fen(MSISDN, product.pk, dt.date(2026, 11, 1), recent, root=tmp_path) == 500
    assert cdrs.charged_fen(MSISDN, product.pk, old, old, root=tmp_path) == 300
    assert cdrs.charged_fen(MSISDN, product.pk, recent, recent, root=tmp_path) == 200
    assert (
        cdrs.charged_fen(MSISDN, product.pk, dt.date(2026, 12, 2), dt.date(2026, 12, 3), root=tmp_path) == 0
    )


def test_the_products_of_a_number_come_from_its_relations_and_cdrs(product, other_product):
    factories.subscribe(MSISDN, product)
    factories.cdr(MSISDN, other_product, 100, clock.now())
    assert {p.pk for p in cdrs.products_of(MSISDN)} == {product.pk, other_product.pk}
    assert cdrs.products_of("13199999999") == []
