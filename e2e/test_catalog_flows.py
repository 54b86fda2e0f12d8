"""In the browser: the product catalogue flows.

(a) a new SMS product goes from the partner's portal form to 已上线: submitted with materials,
    approved with a product code by product-innovation staff (TOTP), its configuration work
    orders resolved in the work-order pages, configuration done → testing, checklist passed →
    live; the partner sees it 已上线 with its price.
(b) a price change on a live 包月 product: a rise is refused with the rule's message, a cut
    effective tomorrow is approved and, after the business date moves on and the sweep runs,
    the product shows the new fee while the version history keeps the old one.
"""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from e2e.conftest import (
    active_partner_in_db,
    field,
    live_product_in_db,
    ok,
    pdf_file,
    screenshot,
    seed_business_lines,
)
from vasops.core import calendar, clock, roles
from vasops.core.testing import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PARTNER_NAME = "武汉楚天短讯科技有限公司"
PARTNER_USER = "chutian"
PARTNER_PASSWORD = "Chutian-partner-2026!"
ACCESS_NUMBER = "1065518800"


def _setup():
    calendar.seed_years([2026])
    seed_business_lines()
    staff = make_user("cat_pi", staff=True, roles=[roles.PRODUCT_STAFF], display_name="陈鹏")
    partner = active_partner_in_db(
        71,
        PARTNER_USER,
        PARTNER_NAME,
        PARTNER_PASSWORD,
        staff=staff,
        enterprise_code="44100071",
        access_number=ACCESS_NUMBER,
    )
    return staff, partner


def test_new_sms_product_from_portal_to_live(people, live_server, tmp_path, log_in):
    from vasops.catalog.models import Product
    from vasops.workorders.models import WorkOrder

    base = live_server.url
    pdf = pdf_file(tmp_path, "新增产品申请资料.pdf")
    with clock.frozen(dt.date(2026, 3, 2)):
        staff, _partner = _setup()

        # --- the partner fills attachment 2 for the SMS line and submits it ----------------
        partner = people()
        log_in(partner, PARTNER_USER, PARTNER_PASSWORD)
        partner.goto(f"{base}/catalog/my/")
        partner.get_by_role("link", name="新增产品").first.click()
        partner.get_by_role("link", name="短信").click()
        field(partner, "产品名称").fill("楚天天气早知道")
        field(partner, "业务接入号").fill(f"{ACCESS_NUMBER}1")
        field(partner, "产品类型").select_option(label="资讯")
        field(partner, "计费方式").select_option(label="包月")
        field(partner, "资费（元）").fill("5")
        field(partner, "产品描述").fill("每天早上 7 点推送武汉天气")
        field(partner, "申报材料").set_input_files(pdf)
        field(partner, "订购指令").fill("DYTQ")
        field(partner, "退订指令").fill("TDTQ")
        partner.get_by_role("button", name="保存并提交审核").click()
        ok(partner, "已提交审核")
        expect(partner.get_by_text("待审核").first).to_be_visible()
        expect(partner.get_by_role("link", name="新增产品申请资料.pdf")).to_be_visible()
        product_url = partner.url
        screenshot(partner, "catalog-new-01-submitted")

        # --- staff approves with a product code: configuration work orders appear --------
        pi = people()
        log_in(pi, staff)
        pi.goto(f"{base}/catalog/review/")
        pi.get_by_role("link", name="楚天天气早知道").first.click()
        field(pi, "审核结论").select_option(label="通过")
        field(pi, "产品代码").fill("9044007101")
        field(pi, "审核意见").fill("资料齐全，同意上线。")
        pi.get_by_role("button", name="提交审核结论").click()
        ok(pi, "审核结论已保存")
        expect(pi.get_by_text("数据制作中").first).to_be_visible()
        expect(pi.get_by_text("9044007101").first).to_be_visible()
        screenshot(pi, "catalog-new-02-approved")

        product = Product.objects.get(product_code="9044007101")
        orders = list(WorkOrder.objects.filter(object_id=str(product.pk), type="data_change").order_by("pk"))
        assert {o.system for o in orders} == {"sms_gateway", "vac", "boss_it"}

        # --- each configuration work order is resolved in the work-order pages -----------
        for n, order in enumerate(orders, start=1):
            pi.goto(f"{base}/workorders/?tab=all")
            pi.get_by_role("link", name=order.number).click()
            expect(pi.get_by_text("产品新增数据制作").first).to_be_visible()
            resolve = pi.locator("form").filter(has=pi.get_by_role("button", name="解决", exact=True))
            field(resolve, "处理结果").fill(f"{order.get_system_display()}数据已制作")
            resolve.get_by_role("button", name="解决", exact=True).click()
            ok(pi, "已解决")
            expect(pi.get_by_text("已解决").first).to_be_visible()
            if n == 1:
                screenshot(pi, "catalog-new-03-work-order-resolved")
        assert not WorkOrder.objects.filter(pk__in=[o.pk for o in orders], state__in=["open", "in_progress"])

        # --- configuration done → testing; the checklist passes; testing completes ------
        pi.goto(product_url)
        pi.get_by_role("button", name="数据制作完成").click()
        ok(pi, "数据制作完成，进入测试")
        cases = pi.locator(".card").filter(has_text="接入测试").locator("tbody tr")
        count = cases.count()
        assert count == 6
        for i in range(count):
            row = pi.locator(".card").filter(has_text="接入测试").locator("tbody tr").nth(i)
            row.get_by_label("说明").fill("测试通过")
            row.get_by_role("button", name="通过", exact=True).click()
            ok(pi, "测试结果已登记")
        screenshot(pi, "catalog-new-04-tests-passed")
        pi.get_by_role("button", name="测试通过，上线").click()
        ok(pi, "测试通过，产品已上线")

        # --- the partner sees it live with its price --------------------------------------
        partner.goto(f"{base}/catalog/my/")
        row = partner.get_by_role("row").filter(has_text="楚天天气早知道")
        assert "已上线" in row.inner_text()
        assert "5.00" in row.inner_text()
        partner.get_by_role("link", name="楚天天气早知道").click()
        expect(partner.get_by_text("已上线").first).to_be_visible()
        expect(partner.get_by_text("5.00 元（包月）")).to_be_visible()
        expect(partner.get_by_text("9044007101").first).to_be_visible()
        screenshot(partner, "catalog-new-05-partner-live")


def test_monthly_price_rise_refused_and_price_cut_takes_effect(people, live_server, log_in):
    from vasops.catalog import actions

    base = live_server.url
    with clock.frozen(dt.date(2026, 3, 2)):
        staff, partner_row = _setup()
        product = live_product_in_db(
            partner_row, staff=staff, name="楚天笑话", fee_fen=500, product_code="9044007201"
        )
        product_url = f"{base}{product.get_absolute_url()}"

        partner = people()
        log_in(partner, PARTNER_USER, PARTNER_PASSWORD)
        partner.goto(product_url)
        partner.get_by_role("link", name="申请变更").click()

        # a 包月 product may not raise its price
        field(partner, "资费（元）").fill("8")
        field(partner, "生效日期").fill("2026-03-03")
        field(partner, "变更原因").fill("内容成本上升")
        partner.get_by_role("button", name="提交变更申请").click()
        partner.get_by_text("包月产品不得提高资费（现 500 分，申请 800 分）").wait_for()
        screenshot(partner, "catalog-change-01-rise-refused")

        # a price cut from tomorrow is accepted
        field(partner, "资费（元）").fill("4")
        field(partner, "生效日期").fill("2026-03-03")
        field(partner, "变更原因").fill("春季促销降价")
        partner.get_by_role("button", name="提交变更申请").click()
        ok(partner, "变更申请已提交")
        expect(partner.get_by_text("待审核").first).to_be_visible()
        change_url = partner.url
        screenshot(partner, "catalog-change-02-cut-submitted")

        pi = people()
        log_in(pi, staff)
        pi.goto(change_url)
        field(pi, "审核结论").select_option(label="批准")
        field(pi, "审核意见").fill("同意降价。")
        pi.get_by_role("button", name="提交", exact=True).click()
        ok(pi, "审核结论已保存")
        expect(pi.get_by_text("已批准，待生效").first).to_be_visible()
        screenshot(pi, "catalog-change-03-approved")

        # before the effective date the old price still applies
        partner.goto(product_url)
        expect(partner.get_by_text("5.00 元（包月）")).to_be_visible()

    with clock.frozen(dt.date(2026, 3, 3)):
        assert actions.apply_due_changes() == 1
        partner.goto(product_url)
        expect(partner.get_by_text("4.00 元（包月）")).to_be_visible()
        versions = partner.locator(".card").filter(has_text="版本（名称、描述、资费及有效期）")
        v1 = versions.get_by_role("row").filter(has_text="v1")
        v2 = versions.get_by_role("row").filter(has_text="v2")
        assert "5.00" in v1.inner_text() and "2026-03-03 00:00" in v1.inner_text()
        assert "4.00" in v2.inner_text() and "2026-03-03 00:00" in v2.inner_text()
        expect(partner.get_by_text("已生效").first).to_be_visible()
        screenshot(partner, "catalog-change-04-new-fee-effective")
