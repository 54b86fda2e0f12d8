from __future__ import annotations

import datetime as dt

import pytest

from vasops.core import clock
from vasops.core.errors import DomainError, PermissionDenied
from vasops.core.models import AuditEvent, Notification
from vasops.workorders import actions, queries, rules
from vasops.workorders.models import WorkOrder
from vasops.workorders.tests.conftest import PLAN

SH = clock.SHANGHAI


def test_staff_opens_data_change_with_number_stage_sla_audit_and_notification(
    cal, freeze, product, om, partner_a
):
    freeze("2026-02-10")
    wo = actions.open_work_order(
        actor=product,
        type="data_change",
        title="开通甲公司企业代码",
        partner=partner_a,
        system="sms_gateway",
        related=partner_a,
    )
    assert wo.number == "GD202602-0001"
    assert wo.state == "open" and wo.group == "om_engineer" and wo.stage_index == 0
    assert wo.due_at == dt.datetime(2026, 2, 26, 23, 59, 59, tzinfo=SH)
    assert wo.object_type == "partners.partner" and wo.object_id == str(partner_a.pk)
    stage = wo.stages.get()
    assert (stage.label, stage.working_days, stage.due_at) == ("实施", 7, wo.due_at)
    event = AuditEvent.objects.get(action="workorders.work_order_opened", object_id=str(wo.pk))
    assert event.actor == product and event.partner_id == partner_a.pk
    assert Notification.objects.filter(recipient=om, url=wo.get_absolute_url()).exists()
    second = actions.open_work_order(actor=product, type="data_change", title="IT", system="boss_it")
    assert second.number == "GD202602-0002"


def test_emergency_upgrade_starts_with_one_day_approval_for_product_staff(cal, freeze, om):
    freeze("2026-02-13")
    wo = actions.open_work_order(
        actor=om,
        type="app_upgrade",
        title="网关升级",
        priority="emergency",
        head_approver="王主任",
        head_approved_on=dt.date(2026, 2, 13),
        plan=PLAN,
    )
    assert wo.group == "product_staff"
    assert wo.due_at == dt.datetime(2026, 2, 14, 23, 59, 59, tzinfo=SH)


def test_data_change_without_system_is_refused_naming_the_clause(db, product):
    with pytest.raises(DomainError) as exc:
        actions.open_work_order(actor=product, type="data_change", title="x")
    assert exc.value.code == "workorders.system_required" and exc.value.clause


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"type": "bogus", "title": "x"}, "workorders.unknown_type"),
        ({"type": "app_upgrade", "title": "x", "priority": "asap"}, "workorders.unknown_priority"),
        ({"type": "app_upgrade", "title": "  "}, "workorders.title_required"),
        ({"type": "app_upgrade", "title": "x", "system": "mars"}, "workorders.unknown_system"),
    ],
)
def test_bad_input_is_refused_with_a_stable_code(db, om, kwargs, code):
    with pytest.raises(DomainError) as exc:
        actions.open_work_order(actor=om, **kwargs)
    assert exc.value.code == code
    assert not WorkOrder.objects.exists()


def test_assignee_must_be_a_handler(db, om, finance):
    with pytest.raises(DomainError) as exc:
        actions.open_work_order(actor=om, type="app_upgrade", title="x", assignee=finance)
    assert exc.value.code == "workorders.assignee_not_handler"


@pytest.mark.parametrize("type_", sorted(rules.PARTNER_TYPES))
def test_partner_user_may_raise_partner_types_for_own_partner(db, user_a, partner_a, type_):
    wo = actions.open_work_order(actor=user_a, type=type_, title="请协助", plan=PLAN)
    assert wo.partner == partner_a and wo.created_by == user_a


def test_partner_user_may_not_raise_data_change(db, user_a):
    with pytest.raises(DomainError) as exc:
        actions.open_work_order(actor=user_a, type="data_change", title="x", system="vac")
    assert exc.value.code == "workorders.type_not_for_partner" and exc.value.status == 403


def test_partner_user_may_not_raise_for_another_partner(db, user_a, partner_b):
    with pytest.raises(DomainError) as exc:
        actions.open_work_order(actor=user_a, type="om_complaint", title="x", partner=partner_b)
    assert exc.value.code == "workorders.other_partner"
    assert not WorkOrder.objects.exists()


def test_partner_user_may_not_pick_an_assignee(db, user_a, om):
    with pytest.raises(PermissionDenied):
        actions.open_work_order(actor=user_a, type="om_complaint", title="x", assignee=om)


def test_staff_without_manage_permission_may_not_open(db, finance, auditor):
    for actor in (finance, auditor):
        with pytest.raises(PermissionDenied):
            actions.open_work_order(actor=actor, type="app_upgrade", title="x")


def test_partner_a_cannot_see_partner_b_work_orders(db, user_a, user_b, om):
    a = actions.open_work_order(actor=user_a, type="om_complaint", title="A")
    b = actions.open_work_order(actor=user_b, type="om_complaint", title="B")
    internal = actions.open_work_order(actor=om, type="app_upgrade", title="内部", plan=PLAN)
    assert list(queries.visible_to(user_a)) == [a]
    assert list(queries.visible_to(user_b)) == [b]
    assert set(queries.visible_to(om)) == {a, b, internal}


def test_staff_without_view_all_sees_only_own_or_assigned(db, om, finance):
    actions.open_work_order(actor=om, type="app_upgrade", title="x", plan=PLAN)
    assert not queries.visible_to(finance).exists()


def test_for_object_finds_the_work_orders_about_an_object(db, product, partner_a, partner_b):
    wo = actions.open_work_order(
        actor=product, type="data_change", title="x", system="vac", related=partner_a
    )
    actions.open_work_order(actor=product, type="data_change", title="y", system="vac", related=partner_b)
    assert list(queries.for_object(partner_a)) == [wo]


def test_queues_mine_group_overdue(cal, freeze, om, om2, product):
    freeze("2026-01-05")
    mine = actions.open_work_order(actor=product, type="data_change", title="m", system="vac", assignee=om)
    other = actions.open_work_order(actor=product, type="data_change", title="o", system="vac", assignee=om2)
    approval = actions.open_work_order(actor=om, type="app_upgrade", title="a", plan=PLAN)
    assert list(queries.queue(om, "mine")) == [mine]
    assert set(queries.queue(om, "group")) == {mine, other}
    assert list(queries.queue(product, "group")) == [approval]
    assert not queries.queue(om, "overdue").exists()
    freeze("2026-01-08")  # approval due 2026-01-07 end of day
    assert list(queries.queue(om, "overdue")) == [approval]


# --- seed rules of O&M orders ----------------------------------------------------------------


def test_the_network_company_stage_is_planned_only_when_the_order_needs_it():
    without = rules.stage_plan("om_data_query", "normal", needs_network=False)
    assert [(s.code, s.working_days) for s in without] == [("approval", 2), ("implementation", 3)]
    needed = rules.stage_plan("om_data_query", "emergency", needs_network=True)
    assert [(s.code, s.working_days) for s in needed] == [
        ("approval", 1),
        ("network", 3),
        ("implementation", 2),
    ]


def test_an_order_without_the_network_company_goes_from_approval_to_implementation(cal, freeze, om, product):
    freeze("2026-01-05")
    wo = actions.open_work_order(actor=om, type="om_data_query", title="查询话单")
    assert wo.needs_network_company is False and [s.code for s in wo.plan] == ["approval", "implementation"]
    actions.advance_stage(wo, actor=product, note="同意")
    assert wo.current_stage is not None and wo.current_stage.code == "implementation"
    needing = actions.open_work_order(
        actor=om, type="om_data_query", title="网络公司配合", needs_network_company=True
    )
    assert [s.code for s in needing.plan] == ["approval", "network", "implementation"]


def test_an_upgrade_without_its_plan_is_refused_naming_each_missing_part(db, om):
    with pytest.raises(DomainError) as exc:
        actions.open_work_order(
            actor=om, type="app_upgrade", title="升级", plan={**PLAN, "rollback_plan": " ", "test_plan": ""}
        )
    assert exc.value.code == "workorders.plan_incomplete" and exc.value.field == "test_plan"
    assert "测试方案、回退预案" in exc.value.message and "申请单内容要求" in exc.value.full_message
    assert not WorkOrder.objects.exists()
    wo = actions.open_work_order(actor=om, type="app_upgrade", title="升级", plan=PLAN)
    assert (wo.rollback_plan, wo.planned_at) == (PLAN["rollback_plan"], PLAN["planned_at"])
    # other O&M types carry no plan
    assert actions.open_work_order(actor=om, type="om_complaint", title="投诉").rollback_plan == ""


@pytest.mark.parametrize(
    ("approver", "approved_on", "accepted"),
    [
        ("", None, False),
        ("王主任", None, False),
        ("王主任", dt.date(2026, 1, 6), False),  # approved after the submission
        ("王主任", dt.date(2026, 1, 5), True),  # approved the day it is submitted
    ],
)
def test_an_emergency_order_needs_the_unit_heads_approval_first(
    cal, freeze, om, approver, approved_on, accepted
):
    freeze("2026-01-05")
    kwargs = {
        "actor": om,
        "type": "om_complaint",
        "title": "紧急投诉",
        "priority": "emergency",
        "head_approver": approver,
        "head_approved_on": approved_on,
    }
    if accepted:
        wo = actions.open_work_order(**kwargs)
        assert (wo.head_approver, wo.head_approved_on) == (approver, approved_on)
        return
    with pytest.raises(DomainError) as exc:
        actions.open_work_order(**kwargs)
    assert exc.value.code == "workorders.head_approval_required"
    assert "申请单位负责人审批同意后提交" in exc.value.full_message
    assert not WorkOrder.objects.exists()


def test_a_normal_order_needs_no_head_approval(db, om):
    wo = actions.open_work_order(actor=om, type="om_complaint", title="普通投诉")
    assert wo.head_approver == "" and wo.head_approved_on is None
