from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest

from vasops.settlement.reconciliation.tests import factories as f


@pytest.fixture
def dirs(settings, tmp_path):
    settings.VASOPS_CDR_DIR = tmp_path / "cdr"
    settings.VASOPS_RECONCILIATION_DIR = tmp_path / "reconciliation"
    return SimpleNamespace(cdr=tmp_path / "cdr", rec=tmp_path / "reconciliation")


@pytest.fixture
def world(db, dirs, freeze) -> Any:
    """Partner A with products 1065880101 (monthly) and 1065880102 (per use), partner B with
    1065990101, their users, finance; December 2026 of A's CDRs exported; today 2027-01-05."""
    freeze("2027-01-05")
    a, (p1, p2) = f.partner_with_products("甲公司", ["1065880101", "1065880102"])
    b, (q1,) = f.partner_with_products("乙公司", ["1065990101"])
    rows = [
        f.cdr("M1", p1, dt.date(2026, 12, 1), 500),
        f.cdr("M2", p1, dt.date(2026, 12, 1), 500, msisdn="18602710002"),
        f.cdr("U1", p2, dt.date(2026, 12, 1), 100),
        f.cdr("U2", p2, dt.date(2026, 12, 2), 100),
        f.cdr("U3", p2, dt.date(2026, 12, 2), 100, msisdn="18602710003"),
        f.cdr("U4", p2, dt.date(2026, 12, 3), 100),
        f.cdr("B1", q1, dt.date(2026, 12, 3), 300),
        # 00:30 on 1 January in Shanghai is still 31 December in UTC: January's, not December's
        ("U5", "18602710009", p2.pk, a.pk, 100, "per_use", dt.datetime(2026, 12, 31, 16, 30, tzinfo=dt.UTC)),
    ]
    f.write_month(dirs.cdr, rows)
    return SimpleNamespace(
        a=a,
        b=b,
        p1=p1,
        p2=p2,
        q1=q1,
        user_a=f.member(a, "alice"),
        user_b=f.member(b, "bob"),
        finance=f.finance_user(),
        dirs=dirs,
    )
