"""In the browser: an emergency 应用软件升级 work order raised by a partner in the portal and
taken by staff through its three stages (审批 → 网络公司处理 → 实施) with a hand-over, comments
and an attachment; the per-stage SLA due dates follow the working-day calendar (emergency
1 / 3 / 2 working days). Raised on Friday 2026-02-13: the approval stage is due at the end of
Saturday 2026-02-14 (a make-up working day before the Spring Festival); the partner closes it
and cannot open another partner's work order.
"""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from e2e.conftest import (
    active_partner_in_db,
    field,
    ok,
    pdf_file,
    screenshot,
)
from vasops.core import calendar, clock, roles
from vasops.core.testing import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PARTNER_USER = "guanggu"
PARTNER_PASSWORD = "Guanggu-partner-2026!"
OTHER_USER = "jianghan"
OTHER_PASSWORD = "Jianghan-partner-2026!"


def _op_form(page, button):
    """The action form on the work-order page whose submit button is ``button``."""
    return page.locator("form").filter(has=page.get_by_role("button", name=button, exact=True))


def _stage_row(page, label):
    return page.locator(".card").filter(has_text="环节与时限").get_by_role("row").filter(has_text=label)


def test_emergency_upgrade_through_three_stages_with_handover(people, live_server, tmp_path, log_in):
    from vasops.workorders import actions as wo_actions
    from vasops.workorders.models import WorkOrder

    base = live_server.url
    plan = pdf_file(tmp_path, "升级实施方案.pdf")
    report = pdf_file(tmp_path, "网络侧变更记录.pdf")
    with clock.frozen(dt.date(2026, 2, 13)):  # a Friday
        calendar.seed_years([2026])
        staff_a = make_user("wo_pi", staff=True, roles=[roles.PRODUCT_STAFF], display_name="陈鹏")
        staff_b = make_user("wo_om", staff=True, roles=[roles.OM_ENGINEER], display_name="王工")
        active_partner_in_db(
            81,
            PARTNER_USER,
            "武汉光谷信息服务有限公司",
            PARTNER_PASSWORD,
            staff=staff_a,
            enterprise_code="44100081",
            access_number="1065518810",
        )
        other = active_partner_in_db(
            82,
            OTHER_USER,
            "武汉江汉数据有限公司",
            OTHER_PASSWORD,
            staff=staff_a,
            enterprise_code="44100082",
            access_number="1065518820",
        )
        from vasops.partners import queries as partner_queries

        foreign = wo_actions.open_work_order(
            actor=partner_queries.partner_users(other).first(),
            type="om_data_query",
            title="查询 1 月话单",
        )

        # --- the partner raises an emergency upgrade work order ---------------------------
        partner = people()
        log_in(partner, PARTNER_USER, PARTNER_PASSWORD)
        partner.goto(f"{base}/workorders/mine/")
        partner.get_by_role("link", name="发起工单").first.click()
        field(partner, "类型").select_option(label="应用软件升级")
        field(partner, "优先级").select_option(label="紧急")
        field(partner, "标题").fill("短信网关接入程序升级 v2.3")
        field(partner, "描述").fill("升级接入程序，修复长短信拼接。")
        field(partner, "系统").select_option(label="短信网关")
        # the network company takes part; the unit head approved before submission; the plan part by part
        partner.get_by_label("需总部网络公司运行维护部处理").check()
        field(partner, "申请单位审批负责人").fill("刘总监")
        field(partner, "负责人审批日期").fill("2026-02-12")
        field(partner, "计划操作时间").fill("2026-02-14T22:00")
        field(partner, "业务影响范围").fill("短信下发中断约 15 分钟")
        field(partner, "操作人员组织").fill("厂家工程师 2 人")
        field(partner, "技术方案").fill("接入程序 v2.2 → v2.3")
        field(partner, "实施步骤").fill("备份、停连接、部署、恢复连接")
        field(partner, "测试方案").fill("MO/MT 拨测各 10 条")
        field(partner, "回退预案").fill("恢复 v2.2")
        partner.get_by_role("button", name="提交工单").click()
        ok(partner, "已发起工单")
        wo = WorkOrder.objects.get(title="短信网关接入程序升级 v2.3")
        wo_url = partner.url
        expect(partner.get_by_text("紧急", exact=True).first).to_be_visible()
        expect(partner.get_by_text("计划：审批 1 天 → 网络公司处理 3 天 → 实施 2 天")).to_be_visible()
        assert "2026-02-14" in _stage_row(partner, "审批").inner_text()
        screenshot(partner, "workorder-01-partner-raised")

        # --- staff A: approval stage, comment with attachment, hand-over ------------------
        a = people()
        log_in(a, staff_a)
        a.goto(f"{base}/workorders/?tab=group")
        a.get_by_role("link", name=wo.number).click()
        a.get_by_role("button", name="开始处理").click()
        ok(a, "已开始处理")
        row = _stage_row(a, "审批").inner_text()
        assert "陈鹏" in row and "2026-02-14" in row

        comment = _op_form(a, "发表留言")
        field(comment, "留言").fill("审批意见：方案完整，同意紧急升级。")
        field(comment, "附件").set_input_files(plan)
        comment.get_by_role("button", name="发表留言").click()
        ok(a, "已留言")
        expect(a.get_by_role("link", name="升级实施方案.pdf")).to_be_visible()

        advance = _op_form(a, "完成本环节")
        field(advance, "说明").fill("审批通过，转网络公司处理。")
        advance.get_by_role("button", name="完成本环节").click()
        ok(a, "已完成本环节")
        # 3 working days from Friday 13th: Sat 14th (make-up day), Tue 24th, Wed 25th
        assert "2026-02-25" in _stage_row(a, "网络公司处理").inner_text()

        assign = _op_form(a, "指派")
        field(assign, "处理人").select_option(label="王工")
        field(assign, "交接说明").fill("请网络公司按方案处理。")
        assign.get_by_role("button", name="指派").click()
        ok(a, "已指派")
        assert "王工" in _stage_row(a, "网络公司处理").inner_text()
        screenshot(a, "workorder-02-approved-and-handed-over")

        # --- staff B: network stage, implementation stage, resolve ------------------------
        b = people()
        log_in(b, staff_b)
        b.goto(f"{base}/workorders/")
        b.get_by_role("link", name=wo.number).click()
        comment = _op_form(b, "发表留言")
        field(comment, "留言").fill("网络侧端口已调整，变更记录见附件。")
        field(comment, "附件").set_input_files(report)
        comment.get_by_role("button", name="发表留言").click()
        ok(b, "已留言")
        advance = _op_form(b, "完成本环节")
        field(advance, "说明").fill("网络侧处理完成。")
        advance.get_by_role("button", name="完成本环节").click()
        ok(b, "已完成本环节")
        # 2 working days from Friday 13th: Sat 14th, Tue 24th
        row = _stage_row(b, "实施").inner_text()
        assert "2026-02-24" in row and "王工" in row

        resolve = _op_form(b, "解决")
        field(resolve, "处理结果").fill("升级完成，短信下发验证正常。")
        resolve.get_by_role("button", name="解决").click()
        ok(b, "已解决")
        expect(b.get_by_text("升级完成，短信下发验证正常。").first).to_be_visible()
        screenshot(b, "workorder-03-resolved")

        # --- the partner sees it resolved and closes it -----------------------------------
        partner.goto(wo_url)
        expect(partner.get_by_text("已解决").first).to_be_visible()
        expect(partner.get_by_role("link", name="网络侧变更记录.pdf")).to_be_visible()
        close = _op_form(partner, "关闭")
        field(close, "处理结果").fill("确认升级成功。")
        close.get_by_role("button", name="关闭").click()
        ok(partner, "已关闭")
        expect(partner.get_by_text("已关闭").first).to_be_visible()
        screenshot(partner, "workorder-04-partner-closed")
        wo.refresh_from_db()
        assert wo.state == "closed"
        assert [s.stage for s in wo.stages.order_by("index")] == ["approval", "network", "implementation"]

        # --- another partner's work order is not found -------------------------------------
        response = partner.goto(f"{base}{foreign.get_absolute_url()}")
        assert response.status == 404
        partner.goto(f"{base}/workorders/mine/")
        assert partner.get_by_role("link", name=foreign.number).count() == 0
        screenshot(partner, "workorder-05-partner-list")
