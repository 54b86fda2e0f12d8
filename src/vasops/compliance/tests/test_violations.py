"""Violation records: the draft interface other apps call, raising with the appeal window (working
day 5 yes, day 6 no), the decision and what an upheld violation does (credit, penalty,
consequence), each step audited and notified."""

from __future__ import annotations

import datetime as dt

import pytest

from vasops.compliance import actions
from vasops.compliance.errors import ComplianceError
from vasops.compliance.models import CreditAccount, ViolationRecord
from vasops.compliance.tests import factories
from vasops.core import clock
from vasops.core.errors import DomainError, PermissionDenied
from vasops.core.models import AuditEvent, Notification
from vasops.core.testing import UserFactory
from vasops.settlement.models import Adjustment
from vasops.vac import actions as vac_actions
from vasops.vac.errors import VacRefused
from vasops.vac.models import ServiceBlock

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2026, 11, 2)  # + 5 working days = Monday 2026-11-09


def test_draft_violation_is_idempotent_per_source_and_tells_the_reviewers(staff, partner, product):
    source = factories.live_partner()  # any saved object stands for the detection hit / complaint
    first = actions.draft_violation(
        actor="system",
        partner=partner,
        violation_code="unauthorised_order",
        summary="24 小时退订率 80%",
        evidence={"unsub_24h_ratio_bp": 8000},
        product=product,
        source=source,
    )
    again = actions.draft_violation(
        actor="system",
        partner=partner,
        violation_code="unauthorised_order",
        summary="再次命中",
        evidence={},
        product=product,
        source=source,
    )
    assert again.pk == first.pk
    assert first.state == ViolationRecord.State.DRAFT
    assert first.evidence == {"unsub_24h_ratio_bp": 8000}
    assert ViolationRecord.objects.count() == 1
    assert Notification.objects.filter(recipient=staff, subject__contains=first.number).exists()
    assert (
        AuditEvent.objects.filter(action="compliance.violation_drafted", partner_id=partner.pk).count() == 1
    )


def test_a_person_without_the_permission_cannot_draft(partner):
    with pytest.raises(PermissionDenied):
        actions.draft_violation(
            actor=UserFactory(), partner=partner, violation_code="spam_mt", summary="x", evidence={}
        )


def test_an_unknown_code_or_another_partners_product_is_refused(staff, partner, other_partner):
    with pytest.raises(DomainError) as exc:
        actions.draft_violation(actor=staff, partner=partner, violation_code="nope", summary="x", evidence={})
    assert exc.value.code == ComplianceError.UNKNOWN_VIOLATION
    foreign = factories.live_product(other_partner)
    with pytest.raises(DomainError) as exc:
        actions.draft_violation(
            actor=staff, partner=partner, violation_code="spam_mt", summary="x", evidence={}, product=foreign
        )
    assert exc.value.code == ComplianceError.PRODUCT_NOT_OF_PARTNER


def test_raising_a_draft_notifies_the_partner_with_the_fifth_working_day(staff, partner, member):
    draft = actions.draft_violation(
        actor=staff, partner=partner, violation_code="spam_mt", summary="群发", evidence={}
    )
    with clock.frozen(MONDAY):
        record = actions.raise_draft(draft, actor=staff)
    assert record.state == ViolationRecord.State.RAISED
    assert record.raised_on == MONDAY
    assert record.appeal_due == dt.date(2026, 11, 9)
    note = Notification.objects.get(recipient=member, subject__contains=record.number)
    assert "2026-11-09" in note.body


@pytest.mark.parametrize(("day", "allowed"), [(dt.date(2026, 11, 9), True), (dt.date(2026, 11, 10), False)])
def test_the_partner_may_appeal_up_to_working_day_5_not_on_day_6(staff, partner, member, day, allowed):
    with clock.frozen(MONDAY):
        record = factories.raised(staff, partner)
    with clock.frozen(day):
        if allowed:
            record = actions.appeal_violation(record, actor=member, text="宣传页已写明资费，见附件")
            assert record.state == ViolationRecord.State.APPEALED
            assert Notification.objects.filter(recipient=staff, subject__contains="申诉").exists()
        else:
            with pytest.raises(DomainError) as exc:
                actions.appeal_violation(record, actor=member, text="晚了")
            assert exc.value.code == ComplianceError.APPEAL_CLOSED


def test_another_partners_user_cannot_appeal_or_accept(staff, partner, other_member):
    record = factories.raised(staff, partner)
    with pytest.raises(PermissionDenied):
        actions.appeal_violation(record, actor=other_member, text="不是我们")
    with pytest.raises(PermissionDenied):
        actions.accept_violation(record, actor=other_member)


def test_staff_decide_only_after_the_window_or_the_partners_answer(staff, partner, member):
    with clock.frozen(MONDAY):
        record = factories.raised(staff, partner)
    with clock.frozen(dt.date(2026, 11, 9)), pytest.raises(DomainError) as exc:
        actions.decide_violation(record, actor=staff, decision="upheld", reason="事实清楚")
    assert exc.value.code == ComplianceError.APPEAL_WINDOW_OPEN
    with clock.frozen(dt.date(2026, 11, 10)):
        record = actions.decide_violation(record, actor=staff, decision="upheld", reason="期满未申诉")
    assert record.state == ViolationRecord.State.UPHELD


def test_upheld_deducts_points_records_the_penalty_once_and_blocks_the_product(
    staff, partner, product, member
):
    vac_actions.subscribe(actor="crm", msisdn="13012345670", product=product, channel="crm")
    with clock.frozen(MONDAY):
        record = factories.raised(staff, partner, code="no_second_confirmation", product=product)
        actions.accept_violation(record, actor=member)
        record = actions.decide_violation(record, actor=staff, decision="upheld", reason="抽检属实")
        account = CreditAccount.objects.get(partner=partner, year=2026)
        assert account.points == 95  # 严重: 5 points
        partner.refresh_from_db()
        assert partner.credit_grade == "excellent"
        adjustment = Adjustment.objects.get(
            source_type="compliance.violationrecord", source_id=str(record.pk)
        )
        assert adjustment.kind == "penalty"
        assert adjustment.amount_fen == -3_000_000
        block = ServiceBlock.objects.get(product=product)
        assert block.scope == ServiceBlock.Scope.PRODUCT and block.lifted_at is None
        with pytest.raises(VacRefused) as refused:
            vac_actions.subscribe(actor="crm", msisdn="13012345678", product=product, channel="crm")
        assert int(refused.value.result_code) == 2101
        with pytest.raises(VacRefused):  # the subscriber of before the block can no longer use it
            vac_actions.authenticate_use(actor="gateway", msisdn="13012345670", product=product)
    assert Notification.objects.filter(recipient=member, subject__contains="违约裁定").exists()
    assert AuditEvent.objects.filter(action="compliance.violation_decided", object_id=str(record.pk)).exists()


def test_reduced_deducts_less_and_must_be_below_the_terms(staff, partner, member):
    record = factories.raised(staff, partner)  # misleading_promotion: 5 points, 20,000 yuan
    actions.accept_violation(record, actor=member)
    with pytest.raises(DomainError) as exc:
        actions.decide_violation(
            record, actor=staff, decision="reduced", reason="初犯", points=5, penalty_fen=2_000_000
        )
    assert exc.value.code == ComplianceError.INVALID_REDUCTION
    with pytest.raises(DomainError):
        actions.decide_violation(
            record, actor=staff, decision="reduced", reason="初犯", points=6, penalty_fen=0
        )
    record = actions.decide_violation(
        record, actor=staff, decision="reduced", reason="初犯", points=2, penalty_fen=500_000
    )
    assert record.state == ViolationRecord.State.REDUCED
    assert CreditAccount.objects.get(partner=partner).points == 98
    assert Adjustment.objects.get(source_id=str(record.pk)).amount_fen == -500_000


def test_dismissed_changes_nothing(staff, partner, member):
    record = factories.raised(staff, partner)
    actions.appeal_violation(record, actor=member, text="有证据")
    record = actions.decide_violation(record, actor=staff, decision="dismissed", reason="申诉成立")
    assert record.state == ViolationRecord.State.DISMISSED
    assert not CreditAccount.objects.exists()
    assert not Adjustment.objects.exists()


def test_a_discarded_draft_needs_a_reason(staff, partner):
    draft = actions.draft_violation(
        actor=staff, partner=partner, violation_code="spam_mt", summary="x", evidence={}
    )
    with pytest.raises(DomainError):
        actions.discard_draft(draft, actor=staff, reason=" ")
    assert actions.discard_draft(draft, actor=staff, reason="误报").state == ViolationRecord.State.DISCARDED
