"""The diff per day × product (every category, totals) and by cdr_id for a disputed day."""

from __future__ import annotations

import datetime as dt

import pytest

from vasops.core.errors import DomainError
from vasops.core.models import AuditEvent, Notification
from vasops.settlement.errors import SettlementError
from vasops.settlement.reconciliation import actions, rules
from vasops.settlement.reconciliation.tests import factories as f
from vasops.settlement.reconciliation.views import run_cdr_diff

MONTH = dt.date(2026, 12, 1)


@pytest.mark.parametrize(
    ("ours", "theirs", "status"),
    [
        ((2, 1000), (2, 1000), rules.MATCHED),
        (None, (1, 100), rules.MISSING_OURS),
        ((1, 100), None, rules.MISSING_THEIRS),
        ((1, 100), (0, 0), rules.MISSING_THEIRS),  # a zero line is no line
        ((2, 200), (3, 200), rules.COUNT_DIFFERS),
        ((2, 200), (2, 201), rules.AMOUNT_DIFFERS),  # one fen is a difference
        ((2, 200), (3, 300), rules.AMOUNT_DIFFERS),  # the amount is what settles
    ],
)
def test_line_status(ours, theirs, status):
    assert rules.line_status(ours=ours, theirs=theirs) == status


def test_every_category_with_totals_against_the_exported_cdrs(world):
    rec = actions.open_reconciliation(actor=world.user_a, month=MONTH)
    summary = f.summary_csv(
        [
            ("2026-12-01", "1065880101", 2, 1000),  # matched (M1, M2)
            ("2026-12-01", "1065880102", 1, 100),  # matched (U1)
            ("2026-12-02", "1065880102", 3, 300),  # amount differs (ours 2 × 100)
            # 12-03 U4 missing on their side
            ("2026-12-04", "1065880102", 1, 100),  # missing on our side
            ("2026-12-31", "1065880102", 1, 100),  # U5 is 1 January in Shanghai: missing on ours
        ]
    )
    rec = actions.upload_records(rec, actor=world.user_a, summary=summary)
    lines = {(line.day.day, line.product_code): line for line in rec.lines.all()}
    assert {k: v.status for k, v in lines.items()} == {
        (1, "1065880101"): rules.MATCHED,
        (1, "1065880102"): rules.MATCHED,
        (2, "1065880102"): rules.AMOUNT_DIFFERS,
        (3, "1065880102"): rules.MISSING_THEIRS,
        (4, "1065880102"): rules.MISSING_OURS,
        (31, "1065880102"): rules.MISSING_OURS,
    }
    assert lines[(2, "1065880102")].fee_difference_fen == 100
    assert (rec.our_count, rec.our_fee_fen, rec.their_count, rec.their_fee_fen) == (6, 1400, 8, 1600)
    assert rec.status_counts == {
        "matched": 2,
        "missing_ours": 2,
        "missing_theirs": 1,
        "count_differs": 0,
        "amount_differs": 1,
    }
    # partner B's CDR never shows on A's reconciliation
    assert all(line.product.partner_id == world.a.pk for line in rec.lines.all())
    assert AuditEvent.objects.filter(
        action="settlement.reconciliation_uploaded", partner_id=world.a.pk
    ).exists()
    assert Notification.objects.filter(recipient=world.user_a, subject__contains="比对完成").exists()


def test_a_count_difference_with_equal_amounts(world):
    rec = actions.open_reconciliation(actor=world.user_a, month=MONTH)
    rec = actions.upload_records(
        rec, actor=world.user_a, summary=f.summary_csv([("2026-12-01", "1065880101", 3, 1000)])
    )
    line = rec.lines.get(day=dt.date(2026, 12, 1), product_code="1065880101")
    assert line.status == rules.COUNT_DIFFERS and line.count_difference == 1


def test_cdr_level_diff_of_a_disputed_day(world):
    rec = actions.open_reconciliation(actor=world.user_a, month=MONTH)
    detail = f.detail_csv(
        [
            ("U2", "18602710001", "1065880102", 100, "2026-12-02 10:00:00"),  # matched
            ("U3", "18602710003", "1065880102", 150, "2026-12-02 10:00:00"),  # fee differs
            ("U7", "18602710004", "1065880102", 100, "2026-12-02 12:00:00"),  # missing on ours
            ("X1", "18602710004", "1065880101", 500, "2026-12-02 12:00:00"),  # missing on ours
            ("Q'1", "18602710005", "1065880102", 100, "2026-12-02 13:00:00"),  # a quote in the id
            ("U1", "18602710001", "1065880101", 100, "2026-12-01 10:00:00"),  # product differs (day 1)
        ]
    )
    rec = actions.upload_records(
        rec, actor=world.user_a, summary=f.summary_csv([("2026-12-02", "1065880102", 3, 350)]), detail=detail
    )
    assert rec.detail_rows == 6
    day2 = run_cdr_diff(rec, dt.date(2026, 12, 2))
    counts = {k: s.lines for k, s in day2.statuses.items()}
    assert counts == {
        "matched": 1,
        "missing_ours": 3,
        "missing_theirs": 0,
        "fee_differs": 1,
        "product_differs": 0,
    }
    fee = day2.statuses["fee_differs"]
    assert (fee.our_fee_fen, fee.their_fee_fen) == (100, 150)
    assert fee.sample[0]["cdr_id"] == "U3" and fee.sample[0]["line"] == 3
    assert fee.sample[0]["msisdn"] == "18602710003"  # the line's MSISDN and time, ours first
    assert fee.sample[0]["at"] == dt.datetime(2026, 12, 2, 2, 0, tzinfo=dt.UTC)
    missing = day2.statuses["missing_ours"].sample
    assert [r["cdr_id"] for r in missing] == ["Q'1", "U7", "X1"]
    assert missing[0]["msisdn"] == "18602710005"
    # one product only
    only = run_cdr_diff(rec, dt.date(2026, 12, 2), world.p1.pk)
    assert {k: s.lines for k, s in only.statuses.items() if s.lines} == {"missing_ours": 1}
    day1 = run_cdr_diff(rec, dt.date(2026, 12, 1))
    assert day1.statuses["product_differs"].lines == 1
    assert day1.statuses["missing_theirs"].lines == 2  # M1, M2 not in their detail


def test_cdr_diff_needs_the_detail(world):
    rec = actions.open_reconciliation(actor=world.user_a, month=MONTH)
    rec = actions.upload_records(
        rec, actor=world.user_a, summary=f.summary_csv([("2026-12-01", "1065880101", 2, 1000)])
    )
    with pytest.raises(DomainError) as err:
        run_cdr_diff(rec, dt.date(2026, 12, 1))
    assert err.value.code == SettlementError.RECONCILIATION_NO_DETAIL


def test_only_an_ended_month_and_one_open_request_per_month(world):
    with pytest.raises(DomainError) as err:
        actions.open_reconciliation(actor=world.user_a, month=dt.date(2027, 1, 1))
    assert err.value.code == SettlementError.RECONCILIATION_MONTH_NOT_ENDED
    actions.open_reconciliation(actor=world.user_a, month=MONTH)
    with pytest.raises(DomainError) as err:
        actions.open_reconciliation(actor=world.user_a, month=MONTH)
    assert err.value.code == SettlementError.RECONCILIATION_EXISTS
    # partner B may open its own for the same month
    assert actions.open_reconciliation(actor=world.user_b, month=MONTH).partner == world.b


def test_staff_cannot_open_a_request(world):
    from vasops.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        actions.open_reconciliation(actor=world.finance, month=MONTH)


def test_month_rules_at_their_boundaries():
    assert rules.month_ended(dt.date(2026, 12, 1), dt.date(2027, 1, 1))
    assert not rules.month_ended(dt.date(2026, 12, 1), dt.date(2026, 12, 31))
    assert rules.parse_month("2026-13") is None and rules.parse_month("2026-2") == dt.date(2026, 2, 1)
    assert len(rules.month_days(dt.date(2028, 2, 1))) == 29
    assert rules.missing_days(dt.date(2026, 2, 1), set(rules.month_days(dt.date(2026, 2, 1)))) == []
