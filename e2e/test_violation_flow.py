"""In the browser: a violation from a detection draft to upheld with the product blocked.

Staff (TOTP) review the draft and notify the partner; the partner reads it in the portal and
admits it; staff uphold it; the product's service block shows in the console, the partner's
credit page shows 95 points and the block, and the VAC refuses the product (2101)."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from e2e.conftest import active_partner_in_db, field, live_product_in_db, ok, screenshot, seed_business_lines
from vasops.core import calendar, clock, roles
from vasops.core.testing import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PARTNER_USER = "weiyue"
PARTNER_PASSWORD = "Weiyue-partner-2026!"


def _setup():
    import importlib

    from django.apps import apps

    calendar.seed_years([2026, 2027])
    seed_business_lines()
    importlib.import_module("vasops.compliance.migrations.0002_seed_catalogue").seed(apps, None)
    staff = make_user("cmp_pi", staff=True, roles=[roles.PRODUCT_STAFF], display_name="陈鹏")
    partner = active_partner_in_db(
        72,
        PARTNER_USER,
        "武汉违约测试科技有限公司",
        PARTNER_PASSWORD,
        staff=staff,
        enterprise_code="44100072",
        access_number="1065518872",
    )
    product = live_product_in_db(
        partner, staff=staff, name="每日笑话", fee_fen=300, product_code="9044007201"
    )
    return staff, partner, product


def test_violation_from_draft_to_upheld_with_the_product_blocked(people, live_server, log_in):
    from vasops.compliance import actions
    from vasops.compliance.models import ViolationRecord
    from vasops.vac import actions as vac_actions
    from vasops.vac.errors import VacRefused
    from vasops.vac.models import ServiceBlock

    base = live_server.url
    with clock.frozen(dt.date(2026, 11, 2)):
        staff, partner, product = _setup()
        draft = actions.draft_violation(
            actor="system",
            partner=partner,
            violation_code="no_second_confirmation",
            summary="检测：24 小时内退订率 80%，疑似未二次确认。",
            evidence={"unsubscribe_24h_ratio": "80%"},
            product=product,
        )

    staff_page = people()
    log_in(staff_page, staff)
    staff_page.goto(f"{base}/compliance/violations/")
    staff_page.get_by_role("link", name=draft.number).click()
    expect(staff_page.get_by_text("待审核草稿").first).to_be_visible()
    staff_page.get_by_role("button", name="通报合作伙伴").click()
    ok(staff_page, "已通报合作伙伴")
    expect(staff_page.get_by_text("已通报").first).to_be_visible()

    partner_page = people()
    log_in(partner_page, PARTNER_USER, PARTNER_PASSWORD)
    partner_page.goto(f"{base}/compliance/my/")
    partner_page.get_by_role("link", name=draft.number).click()
    expect(partner_page.get_by_text("检测：24 小时内退订率 80%").first).to_be_visible()
    partner_page.get_by_role("button", name="确认违约（放弃申诉）").click()
    ok(partner_page, "已确认违约")

    staff_page.reload()
    field(staff_page, "裁定结果").select_option("upheld")
    field(staff_page, "裁定理由").fill("检测数据与抽检一致。")
    staff_page.get_by_role("button", name="提交裁定").click()
    ok(staff_page, "已裁定")
    expect(staff_page.get_by_text("维持处罚").first).to_be_visible()
    expect(staff_page.get_by_text("因本违约实施的业务屏蔽")).to_be_visible()
    screenshot(staff_page, "violation-upheld")

    staff_page.goto(f"{base}/compliance/blocks/")
    row = staff_page.get_by_role("row").filter(has_text="每日笑话")
    expect(row).to_contain_text("生效中")

    partner_page.goto(f"{base}/compliance/my/credit/")
    expect(partner_page.locator("#credit-points")).to_have_text("95")
    expect(partner_page.get_by_text("每日笑话")).to_be_visible()
    screenshot(partner_page, "partner-credit")

    record = ViolationRecord.objects.get(pk=draft.pk)
    assert record.state == ViolationRecord.State.UPHELD
    assert ServiceBlock.objects.filter(product=product, lifted_at__isnull=True).exists()
    with pytest.raises(VacRefused) as refused:
        vac_actions.subscribe(actor="crm", msisdn="13012345678", product=product, channel="crm")
    assert int(refused.value.result_code) == 2101
