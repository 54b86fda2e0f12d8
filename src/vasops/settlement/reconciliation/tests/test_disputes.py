"""Dispute lifecycle: raise with evidence, accept (exactly one dispute Adjustment, next month) or
reject with a reason; the deadline in working days and the sweep's escalation."""

from __future__ import annotations

import datetime as dt

import pytest

from vasops.core import calendar, clock
from vasops.core.errors import DomainError, NotFound, PermissionDenied
from vasops.core.models import AuditEvent, Deadline, Notification, WorkCalendar
from vasops.core.testing import make_user
from vasops.settlement.errors import SettlementError
from vasops.settlement.models import Adjustment
from vasops.settlement.reconciliation import actions, rules, tasks
from vasops.settlement.reconciliation.models import Dispute
from vasops.settlement.reconciliation.tests import factories as f

MONTH = dt.date(2026, 12, 1)


@pytest.fixture
def diffed(world):
    rec = actions.open_reconciliation(actor=world.user_a, month=MONTH)
    summary = f.summary_csv(
        [
            ("2026-12-01", "1065880101", 2, 1000),
            ("2026-12-01", "1065880102", 1, 100),
            ("2026-12-02", "1065880102", 3, 300),
        ]
    )
    rec = actions.upload_records(rec, actor=world.user_a, summary=summary)
    world.rec = rec
    world.differs = rec.lines.get(day=dt.date(2026, 12, 2))
    world.matched = rec.lines.get(day=dt.date(2026, 12, 1), product_code="1065880101")
    return world


def test_raise_accept_records_one_adjustment_for_the_next_month(diffed):
    w = diffed
    dispute = actions.raise_dispute(w.differs, actor=w.user_a, reason="平台记录 3 条", evidence=[f.pdf()])
    assert dispute.state == Dispute.State.PENDING and dispute.claimed_fen == 100  # their − our
    assert dispute.evidence.get().document.partner_id == w.a.pk
    assert Deadline.objects.filter(
        object_id=str(dispute.pk), kind="reconciliation_dispute", state="open"
    ).exists()
    assert Notification.objects.filter(recipient=w.finance, subject__contains=dispute.number).exists()

    accepted = actions.accept_dispute(dispute, actor=w.finance, reason="核实平台漏计 1 条")
    adj = Adjustment.objects.get()
    assert (adj.kind, adj.amount_fen, adj.month, adj.partner, adj.product) == (
        "dispute",
        100,
        dt.date(2027, 1, 1),
        w.a,
        w.p2,
    )
    assert accepted.adjustment == adj and accepted.accepted_fen == 100
    assert Deadline.objects.get(object_id=str(dispute.pk)).state == Deadline.State.MET
    assert Notification.objects.filter(recipient=w.user_a, subject__contains="已接受").exists()
    # exactly once: deciding again is refused and adds nothing
    with pytest.raises(DomainError) as err:
        actions.accept_dispute(dispute, actor=w.finance, reason="再次")
    assert err.value.code == SettlementError.DISPUTE_NOT_PENDING
    assert Adjustment.objects.count() == 1
    actions_seen = list(
        AuditEvent.objects.filter(object_id=str(dispute.pk), object_type="settlement.dispute")
        .order_by("at", "id")
        .values_list("action", flat=True)
    )
    assert actions_seen == ["settlement.dispute_raised", "settlement.dispute_accepted"]


def test_partial_acceptance_with_another_amount(diffed):
    w = diffed
    dispute = actions.raise_dispute(w.differs, actor=w.user_a, reason="差 1 条", claimed_fen=150)
    actions.accept_dispute(dispute, actor=w.finance, reason="认定 50 分", amount_fen=50)
    assert Adjustment.objects.get().amount_fen == 50


def test_reject_needs_a_reason_and_records_no_adjustment(diffed):
    w = diffed
    dispute = actions.raise_dispute(w.differs, actor=w.user_a, reason="差 1 条")
    with pytest.raises(DomainError) as err:
        actions.reject_dispute(dispute, actor=w.finance, reason="  ")
    assert err.value.code == SettlementError.DISPUTE_REASON_REQUIRED
    rejected = actions.reject_dispute(dispute, actor=w.finance, reason="该话单为测试号码，不予结算")
    assert rejected.state == Dispute.State.REJECTED and not Adjustment.objects.exists()
    # the line may be disputed again once the first is decided
    again = actions.raise_dispute(w.differs, actor=w.user_a, reason="补充证据后再次提出", evidence=[f.pdf()])
    assert again.state == Dispute.State.PENDING


def test_refusals_when_raising(diffed):
    w = diffed
    with pytest.raises(DomainError) as err:
        actions.raise_dispute(w.matched, actor=w.user_a, reason="x")
    assert err.value.code == SettlementError.DISPUTE_LINE_MATCHED
    actions.raise_dispute(w.differs, actor=w.user_a, reason="x")
    with pytest.raises(DomainError) as err:
        actions.raise_dispute(w.differs, actor=w.user_a, reason="again")
    assert err.value.code == SettlementError.DISPUTE_ALREADY_PENDING
    with pytest.raises(NotFound):
        actions.raise_dispute(w.differs, actor=w.user_b, reason="not mine")
    with pytest.raises(PermissionDenied):
        actions.raise_dispute(w.differs, actor=w.finance, reason="staff")
    # a disputed request cannot be re-uploaded (the lines are what the dispute is about)
    with pytest.raises(DomainError) as err:
        actions.upload_records(
            w.rec, actor=w.user_a, summary=f.summary_csv([("2026-12-01", "1065880101", 2, 1000)])
        )
    assert err.value.code == SettlementError.RECONCILIATION_HAS_DISPUTES
    # nor closed while a dispute is pending
    with pytest.raises(DomainError) as err:
        actions.close_reconciliation(w.rec, actor=w.user_a)
    assert err.value.code == SettlementError.RECONCILIATION_DISPUTES_PENDING


def test_only_finance_decides(diffed):
    w = diffed
    dispute = actions.raise_dispute(w.differs, actor=w.user_a, reason="x")
    with pytest.raises(PermissionDenied):
        actions.accept_dispute(dispute, actor=w.user_a, reason="self-service")
    with pytest.raises(NotFound):
        actions.reject_dispute(dispute, actor=w.user_b, reason="other partner")
    auditor = make_user("aud", roles=["auditor"], staff=True)
    with pytest.raises(PermissionDenied):
        actions.accept_dispute(dispute, actor=auditor, reason="read only")
    assert not Adjustment.objects.exists()


def _calendar(days: dict[str, bool]) -> None:
    for day, working in days.items():
        WorkCalendar.objects.update_or_create(
            date=dt.date.fromisoformat(day), defaults={"is_working_day": working, "source": "manual"}
        )
    calendar.invalidate()


def _at(day: str, hh: int, mm: int = 0) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hh, mm), tzinfo=clock.SHANGHAI)


def test_deadline_counts_working_days_across_a_holiday_and_a_make_up_day(diffed, freeze):
    """Raised Friday 2027-01-29; Tuesday 02-02 is a public holiday, Saturday 02-06 a make-up
    working day: 5 working days = Mon 1, Wed 3, Thu 4, Fri 5, Sat 6 → due Saturday 23:59:59."""
    w = diffed
    _calendar({"2027-02-02": False, "2027-02-06": True})
    freeze("2027-01-29")
    dispute = actions.raise_dispute(w.differs, actor=w.user_a, reason="x")
    assert clock.local_date(dispute.due_at) == dt.date(2027, 2, 6)
    assert dispute.due_at == clock.end_of_day(dt.date(2027, 2, 6))

    assert tasks.sweep_disputes(now=_at("2027-02-06", 23, 59)) == 0  # the last minute of the last day
    dispute.refresh_from_db()
    assert dispute.escalated_at is None

    head = make_user("head", roles=["department_head"], staff=True)
    assert tasks.sweep_disputes(now=_at("2027-02-07", 0, 1)) == 1
    dispute.refresh_from_db()
    assert dispute.escalated_at is not None and dispute.state == Dispute.State.PENDING
    assert Deadline.objects.get(object_id=str(dispute.pk)).state == Deadline.State.MISSED
    assert Notification.objects.filter(recipient=head, subject__contains="超期升级").count() == 1
    assert AuditEvent.objects.filter(action="settlement.dispute_escalated").count() == 1
    # idempotent: a second and a late run change nothing
    assert tasks.sweep_disputes(now=_at("2027-02-08", 9)) == 0
    assert Notification.objects.filter(recipient=head).count() == 1
    # finance can still decide an escalated dispute
    actions.accept_dispute(dispute, actor=w.finance, reason="逾期处理")
    assert Adjustment.objects.count() == 1


def test_the_deadline_setting_is_honoured(diffed, settings, freeze):
    settings.VASOPS_DISPUTE_WORKING_DAYS = 1
    _calendar({"2027-01-08": True, "2027-01-11": True})
    freeze("2027-01-08")  # a Friday; one working day later is Monday
    dispute = actions.raise_dispute(diffed.differs, actor=diffed.user_a, reason="x")
    assert clock.local_date(dispute.due_at) == dt.date(2027, 1, 11)


def test_a_decided_dispute_is_never_escalated(diffed, freeze):
    w = diffed
    dispute = actions.raise_dispute(w.differs, actor=w.user_a, reason="x")
    actions.reject_dispute(dispute, actor=w.finance, reason="不予认可")
    assert tasks.sweep_disputes(now=dispute.due_at + dt.timedelta(days=30)) == 0
    assert rules.is_overdue(dispute.due_at, dispute.due_at + dt.timedelta(seconds=1))
    assert not rules.is_overdue(dispute.due_at, dispute.due_at)


def test_close_after_all_disputes_are_decided(diffed):
    w = diffed
    dispute = actions.raise_dispute(w.differs, actor=w.user_a, reason="x")
    actions.reject_dispute(dispute, actor=w.finance, reason="no")
    rec = actions.close_reconciliation(w.rec, actor=w.finance, note="对账完成")
    assert rec.state == "closed"
    with pytest.raises(DomainError) as err:
        actions.raise_dispute(w.differs, actor=w.user_a, reason="too late")
    assert err.value.code == SettlementError.RECONCILIATION_NOT_DIFFED
    # a new request for the month may follow a closed one
    assert actions.open_reconciliation(actor=w.user_a, month=MONTH).pk != rec.pk
