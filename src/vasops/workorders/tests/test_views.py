from __future__ import annotations

import pytest
from django.urls import reverse

from vasops.workorders import actions
from vasops.workorders.models import WorkOrder


@pytest.fixture
def wo_a(db, user_a):
    return actions.open_work_order(actor=user_a, type="om_complaint", title="甲的投诉")


@pytest.fixture
def wo_b(db, user_b):
    return actions.open_work_order(actor=user_b, type="om_complaint", title="乙的投诉")


def test_partner_a_cannot_open_partner_b_work_order_page(client, user_a, wo_a, wo_b):
    client.force_login(user_a)
    assert client.get(reverse("workorders:detail", args=[wo_a.pk])).status_code == 200
    assert client.get(reverse("workorders:detail", args=[wo_b.pk])).status_code == 404
    assert (
        client.post(
            reverse("workorders:detail", args=[wo_b.pk]), {"op": "comment", "comment-text": "x"}
        ).status_code
        == 404
    )


def test_portal_list_shows_only_own_partner_work_orders(client, user_a, wo_a, wo_b):
    client.force_login(user_a)
    body = client.get(reverse("workorders:mine")).content.decode()
    assert wo_a.number in body and wo_b.number not in body
    export = client.get(reverse("workorders:mine") + "?export=csv").content.decode()
    assert wo_a.number in export and wo_b.number not in export


def test_partner_user_is_sent_from_the_console_queue_to_the_portal_list(client, user_a):
    client.force_login(user_a)
    response = client.get(reverse("workorders:queue"))
    assert response.status_code == 302 and response.url == reverse("workorders:mine")


def test_queue_tabs_mine_group_overdue_all(client, no_2fa, om, product, wo_a, wo_b):
    mine = actions.open_work_order(
        actor=product, type="data_change", title="给我的", system="vac", assignee=om
    )
    client.force_login(om)
    body = client.get(reverse("workorders:queue") + "?tab=mine").content.decode()
    assert mine.number in body and wo_a.number not in body
    body = client.get(reverse("workorders:queue") + "?tab=all").content.decode()
    assert all(w.number in body for w in (mine, wo_a, wo_b))
    body = client.get(reverse("workorders:queue") + "?tab=group").content.decode()
    assert mine.number in body and wo_a.number not in body  # approval waits on product staff
    client.force_login(product)
    body = client.get(reverse("workorders:queue") + "?tab=group&type=om_complaint").content.decode()
    assert wo_a.number in body and mine.number not in body


def test_queue_overdue_filter_and_export(client, no_2fa, cal, freeze, om, user_a):
    freeze("2026-02-12")
    wo_a = actions.open_work_order(actor=user_a, type="om_complaint", title="甲的投诉")
    freeze("2026-02-24")  # approval was due on the make-up Saturday 2026-02-14
    client.force_login(om)
    body = client.get(reverse("workorders:queue") + "?tab=all&overdue=yes").content.decode()
    assert wo_a.number in body
    body = client.get(reverse("workorders:queue") + "?tab=all&overdue=no").content.decode()
    assert wo_a.number not in body
    export = client.get(reverse("workorders:queue") + "?tab=all&export=xlsx")
    assert export.status_code == 200 and "spreadsheetml" in export["Content-Type"]


def test_partner_create_form_offers_only_partner_types_and_refuses_data_change(client, user_a):
    client.force_login(user_a)
    body = client.get(reverse("workorders:new")).content.decode()
    assert "运维投诉" in body and 'value="data_change"' not in body
    response = client.post(
        reverse("workorders:new"),
        {"type": "data_change", "priority": "normal", "title": "想改数据", "system": "vac"},
    )
    assert response.status_code == 200 and not WorkOrder.objects.exists()
    assert "想改数据" in response.content.decode()  # nothing typed is lost


def test_partner_creates_a_work_order_through_the_form(client, user_a, partner_a, freeze):
    freeze("2026-01-05")
    client.force_login(user_a)
    fields = {"type": "om_data_query", "priority": "emergency", "title": "查询上月话单"}
    refused = client.post(reverse("workorders:new"), fields)
    assert refused.status_code == 200 and "申请单位负责人审批同意" in refused.content.decode()
    approval = {"head_approver": "王经理", "head_approved_on": "2026-01-05", "needs_network_company": "on"}
    response = client.post(reverse("workorders:new"), {**fields, **approval})
    wo = WorkOrder.objects.get()
    assert response.status_code == 302 and response.url == wo.get_absolute_url()
    assert wo.partner == partner_a and wo.priority == "emergency"
    assert (wo.head_approver, wo.needs_network_company) == ("王经理", True)
    page = client.get(wo.get_absolute_url()).content.decode()
    assert "王经理 · 2026-01-05" in page and "需要（总部网络公司运行维护部）" in page


def test_an_upgrade_plan_is_entered_part_by_part_and_shown(client, user_a, partner_a, freeze):
    freeze("2026-01-05")
    client.force_login(user_a)
    fields = {"type": "app_upgrade", "priority": "normal", "title": "网关升级"}
    refused = client.post(reverse("workorders:new"), fields)
    assert refused.status_code == 200 and "计划操作时间" in refused.content.decode()
    plan = {
        "planned_at": "2026-01-20T02:00",
        "impact_scope": "上行中断 10 分钟",
        "operators": "运维 2 人",
        "technical_plan": "V1→V2",
        "implementation_steps": "备份、升级、启动",
        "test_plan": "拨测",
        "rollback_plan": "恢复备份",
    }
    response = client.post(reverse("workorders:new"), {**fields, **plan})
    wo = WorkOrder.objects.get()
    assert response.status_code == 302 and wo.rollback_plan == "恢复备份"
    page = client.get(wo.get_absolute_url()).content.decode()
    assert "回退预案" in page and "恢复备份" in page and "不需要（审批后直接实施）" in page


def test_staff_form_shows_refusal_next_to_the_field_and_keeps_input(client, no_2fa, product):
    client.force_login(product)
    response = client.post(
        reverse("workorders:new"), {"type": "data_change", "priority": "normal", "title": "缺系统"}
    )
    body = response.content.decode()
    assert response.status_code == 200 and "须指明目标系统" in body and "缺系统" in body


def test_staff_without_manage_permission_gets_404_on_the_form(client, no_2fa, auditor):
    client.force_login(auditor)
    assert client.get(reverse("workorders:new")).status_code == 404


def test_handler_starts_and_advances_from_the_detail_page(client, no_2fa, product, wo_a):
    client.force_login(product)
    page = client.get(reverse("workorders:detail", args=[wo_a.pk])).content.decode()
    assert "开始处理" in page and "操作历史" in page and "审批" in page
    url = reverse("workorders:detail", args=[wo_a.pk])
    assert client.post(url, {"op": "start"}).status_code == 302
    assert client.post(url, {"op": "advance", "advance-note": "同意"}).status_code == 302
    wo_a.refresh_from_db()
    assert wo_a.state == "in_progress" and wo_a.stage_index == 1


def test_partner_has_no_handling_buttons_and_a_forged_post_is_refused_not_500(client, user_a, wo_a):
    client.force_login(user_a)
    url = reverse("workorders:detail", args=[wo_a.pk])
    page = client.get(url).content.decode()
    assert "开始处理" not in page and "发表留言" in page
    response = client.post(url, {"op": "start"})
    assert response.status_code == 200 and "没有执行此工单操作的权限" in response.content.decode()
    wo_a.refresh_from_db()
    assert wo_a.state == "open"


def test_partner_comments_on_own_work_order(client, user_a, wo_a):
    client.force_login(user_a)
    url = reverse("workorders:detail", args=[wo_a.pk])
    assert client.post(url, {"op": "comment", "comment-text": "补充说明"}).status_code == 302
    assert wo_a.comments.get().text == "补充说明"


def test_an_expert_does_not_reach_the_staff_work_queue(client, db):
    from vasops.core import roles as core_roles
    from vasops.core.testing import make_user

    expert = make_user("wq_expert", roles=[core_roles.EXPERT])
    client.force_login(expert)
    assert client.get("/workorders/").status_code == 403
    assert client.get("/workorders/?tab=all&export=csv").status_code == 403
