from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from vasops.core import clock
from vasops.core.errors import DomainError, NotFound, PermissionDenied
from vasops.core.models import AuditEvent, Notification
from vasops.workorders import actions
from vasops.workorders.models import Attachment
from vasops.workorders.tests.conftest import PLAN

SH = clock.SHANGHAI
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def audit_actions(wo):
    return list(
        AuditEvent.objects.filter(object_type="workorders.workorder", object_id=str(wo.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )


@pytest.fixture
def upgrade(cal, freeze, om, user_a):
    freeze("2026-02-12")
    return actions.open_work_order(
        actor=user_a, type="app_upgrade", title="短信网关升级 V2", needs_network_company=True, plan=PLAN
    )


def test_full_lifecycle_through_three_stages_with_their_slas(upgrade, product, om, freeze):
    wo = upgrade
    assert wo.due_at == dt.datetime(2026, 2, 14, 23, 59, 59, tzinfo=SH)  # Thu + 2 = make-up Saturday
    actions.start(wo, actor=product)
    assert wo.state == "in_progress" and wo.assignee == product
    freeze("2026-02-13")
    actions.advance_stage(wo, actor=product, note="同意")
    assert wo.stage_index == 1 and wo.group == "om_engineer" and wo.assignee is None
    assert wo.due_at == dt.datetime(2026, 2, 27, 23, 59, 59, tzinfo=SH)  # Fri + 5 across the holiday
    actions.assign(wo, actor=om, assignee=om)
    actions.advance_stage(wo, actor=om)
    assert wo.stage_index == 2 and wo.assignee == om  # same group keeps the assignee
    actions.advance_stage(wo, actor=om, note="升级完成，已验证")
    assert wo.state == "resolved" and wo.result == "升级完成，已验证"
    stages = list(wo.stages.order_by("id"))
    assert [s.label for s in stages] == ["审批", "网络公司处理", "实施"]
    assert all(s.finished_at and s.on_time for s in stages)
    assert audit_actions(wo) == [
        "workorders.work_order_opened",
        "workorders.work_order_started",
        "workorders.work_order_advanced",
        "workorders.work_order_assigned",
        "workorders.work_order_advanced",
        "workorders.work_order_resolved",
    ]


def test_partner_closes_its_resolved_work_order_and_may_reopen_it(upgrade, om, user_a):
    actions.resolve(upgrade, actor=om, result="已处理")
    actions.close(upgrade, actor=user_a)
    assert upgrade.state == "closed"
    actions.reopen(upgrade, actor=user_a, reason="问题仍在")
    assert upgrade.state == "in_progress" and upgrade.current_stage.label == "实施"
    assert upgrade.stages.filter(finished_at__isnull=True).count() == 1
    assert audit_actions(upgrade)[-2:] == ["workorders.work_order_closed", "workorders.work_order_reopened"]


def test_partner_may_not_close_an_unresolved_work_order(upgrade, user_a):
    with pytest.raises(PermissionDenied):
        actions.close(upgrade, actor=user_a, result="算了")


def test_closing_an_unresolved_work_order_needs_a_reason(upgrade, om):
    with pytest.raises(DomainError) as exc:
        actions.close(upgrade, actor=om)
    assert exc.value.code == "workorders.result_required"
    actions.close(upgrade, actor=om, result="重复工单")
    assert upgrade.state == "closed"


def test_resolve_needs_a_result(upgrade, om):
    with pytest.raises(DomainError) as exc:
        actions.resolve(upgrade, actor=om, result=" ")
    assert exc.value.code == "workorders.result_required"


def test_reopen_needs_a_reason_and_only_from_resolved_or_closed(upgrade, om):
    with pytest.raises(DomainError) as exc:
        actions.reopen(upgrade, actor=om, reason="x")
    assert exc.value.code == "core.invalid_transition"
    actions.resolve(upgrade, actor=om, result="ok")
    with pytest.raises(DomainError) as exc:
        actions.reopen(upgrade, actor=om, reason="")
    assert exc.value.code == "workorders.reason_required"


@pytest.mark.parametrize("op", ["start", "advance", "resolve", "assign"])
def test_partner_user_and_auditor_may_not_handle(upgrade, user_a, auditor, om, op):
    calls = {
        "start": lambda a: actions.start(upgrade, actor=a),
        "advance": lambda a: actions.advance_stage(upgrade, actor=a),
        "resolve": lambda a: actions.resolve(upgrade, actor=a, result="x"),
        "assign": lambda a: actions.assign(upgrade, actor=a, assignee=om),
    }
    for actor in (user_a, auditor):
        with pytest.raises(PermissionDenied):
            calls[op](actor)
    assert audit_actions(upgrade) == ["workorders.work_order_opened"]


def test_other_partner_gets_not_found_for_every_action(upgrade, user_b):
    with pytest.raises(NotFound):
        actions.comment(upgrade, actor=user_b, text="hi")
    with pytest.raises(NotFound):
        actions.reopen(upgrade, actor=user_b, reason="x")
    with pytest.raises(NotFound):
        actions.close(upgrade, actor=user_b, result="x")


def test_assign_hands_over_and_notifies_the_new_assignee(upgrade, product, om, om2):
    actions.assign(upgrade, actor=product, assignee=om2, note="请跟进")
    assert upgrade.assignee == om2 and upgrade.stages.get().assignee == om2
    assert Notification.objects.filter(recipient=om2, subject__contains="指派").exists()
    event = AuditEvent.objects.get(action="workorders.work_order_assigned", object_id=str(upgrade.pk))
    assert event.reason == "请跟进" and event.after["assignee_id"] == om2.pk


def test_assign_to_a_non_handler_is_refused(upgrade, product, finance):
    with pytest.raises(DomainError) as exc:
        actions.assign(upgrade, actor=product, assignee=finance)
    assert exc.value.code == "workorders.assignee_not_handler"


def test_comment_with_attachment_is_stored_audited_and_visible_to_partner(upgrade, om, user_a, settings):
    upload = SimpleUploadedFile("方案.pdf", PDF, content_type="application/pdf")
    row = actions.comment(upgrade, actor=om, text="见附件方案", upload=upload)
    att = Attachment.objects.get(comment=row)
    assert att.document.partner_id == upgrade.partner_id
    assert AuditEvent.objects.filter(action="workorders.comment_added", object_id=str(upgrade.pk)).exists()
    assert Notification.objects.filter(recipient=user_a, subject__contains="留言").exists()
    from vasops.core import documents

    assert documents.can_download(user_a, att.document)


def test_attachment_is_not_downloadable_by_another_partner(upgrade, om, user_b):
    upload = SimpleUploadedFile("方案.pdf", PDF, content_type="application/pdf")
    row = actions.comment(upgrade, actor=om, text="x", upload=upload)
    from vasops.workorders import queries

    doc = Attachment.objects.get(comment=row).document
    assert not queries.user_may_read_document(user_b, doc)


def test_empty_comment_is_refused(upgrade, om):
    with pytest.raises(DomainError) as exc:
        actions.comment(upgrade, actor=om, text="")
    assert exc.value.code == "workorders.text_required"


def test_stage_finished_after_its_deadline_is_recorded_late(upgrade, product, freeze):
    freeze("2026-02-24")  # approval was due 2026-02-14
    actions.advance_stage(upgrade, actor=product)
    first = upgrade.stages.order_by("id").first()
    assert first.on_time is False


def test_work_order_times_follow_the_business_clock(upgrade, user_a):
    """One clock: the order's 创建时间 and its comments are stamped on the (frozen) business date."""
    note = actions.comment(upgrade, actor=user_a, text="请尽快处理")
    upgrade.refresh_from_db()
    stamps = [upgrade.created_at, upgrade.updated_at, note.created_at]
    assert {clock.local_date(s) for s in stamps} == {dt.date(2026, 2, 12)}


def test_a_linked_type_is_raised_only_with_its_source(db):
    from vasops.core.errors import DomainError
    from vasops.core.testing import make_user
    from vasops.workorders import actions as wo_actions
    from vasops.workorders.errors import WorkOrderError

    staff = make_user("cs_link", staff=True, roles=["cs_agent"])
    with pytest.raises(DomainError) as err:
        wo_actions.open_work_order(actor=staff, type="cs_complaint", title="手工发起")
    assert err.value.code == WorkOrderError.FOLLOWS_ITS_SOURCE
