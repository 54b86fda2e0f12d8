"""In the browser: SP KPIs and the detection of unauthorised charging.

(a) an O&M engineer (TOTP) imports a KPI file with a malformed row — the page lists the row and
    column and nothing is imported — then the corrected file; the below-threshold list names the
    partner, whose page charts the result against the threshold; the partner's user sees the
    same result on its portal page and not the console lists.
(b) product-innovation staff run the detection of a day on which 80 % of a live product's new
    users unsubscribed within hours: the hit is listed with its chart and its figures.
"""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from e2e.conftest import active_partner_in_db, field, live_product_in_db, ok, screenshot
from vasops.api.tests.seed import ensure_migration_data
from vasops.core import calendar, clock, roles
from vasops.core.testing import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PARTNER_NAME = "武汉江城无线科技有限公司"
PARTNER_USER = "jiangcheng"
PARTNER_PASSWORD = "Jiangcheng-partner-2026!"
HEADER = "企业代码,指标,周期,结果值,备注\n"


def _setup():
    calendar.seed_years([2026])
    ensure_migration_data()
    staff = make_user("kpi_pi", staff=True, roles=[roles.PRODUCT_STAFF], display_name="陈鹏")
    om = make_user("kpi_om", staff=True, roles=[roles.OM_ENGINEER], display_name="王磊")
    partner = active_partner_in_db(
        72,
        PARTNER_USER,
        PARTNER_NAME,
        PARTNER_PASSWORD,
        staff=staff,
        enterprise_code="44100072",
        access_number="1065518872",
    )
    return staff, om, partner


def test_kpi_import_with_a_bad_row_then_charted_for_staff_and_partner(people, live_server, tmp_path, log_in):
    from vasops.compliance.kpi.models import KpiRecord

    base = live_server.url
    _staff, om, _partner = _setup()
    bad = tmp_path / "kpi-bad.csv"
    bad.write_text(
        HEADER + "44100072,wap_page_success,2026-11,96.1,\n44100072,wap_page_success,2026-12,九十,\n",
        encoding="utf-8-sig",
    )
    good = tmp_path / "kpi.csv"
    good.write_text(
        HEADER + "44100072,wap_page_success,2026-11,96.1,\n44100072,wap_page_success,2026-12,93.8,\n",
        encoding="utf-8-sig",
    )

    page = log_in(people(), om)
    page.get_by_role("link", name="KPI 导入").click()
    field(page, "CSV 或 Excel 文件").set_input_files(str(bad))
    page.get_by_role("button", name="上传并导入").click()
    errors = page.locator("table").filter(has_text="原因").first
    expect(errors).to_contain_text("3")
    expect(errors).to_contain_text("结果值")
    expect(page.get_by_text("整批未导入").first).to_be_visible()
    assert KpiRecord.objects.count() == 0

    field(page, "CSV 或 Excel 文件").set_input_files(str(good))
    page.get_by_role("button", name="上传并导入").click()
    ok(page, "已导入 2 条 KPI 记录，其中未达标 1 条")
    page.get_by_role("link", name="KPI 未达标").click()
    page.get_by_role("link", name=PARTNER_NAME).first.click()
    expect(page.get_by_test_id("kpi-below-total")).to_have_text("未达标 1 项")
    expect(page.locator("svg.vasops-chart").first).to_be_visible()
    screenshot(page, "kpi-partner-page")

    partner_page = log_in(people(), PARTNER_USER, PARTNER_PASSWORD)
    partner_page.get_by_role("link", name="KPI 考核").click()
    expect(partner_page.get_by_test_id("kpi-below-total")).to_have_text("未达标 1 项")
    expect(partner_page.get_by_role("cell", name="93.80%")).to_be_visible()
    response = partner_page.goto(f"{base}/compliance/kpi/records/")
    assert response is not None and response.status == 403


def test_detection_of_a_day_shows_the_hit_with_its_figures(people, live_server, log_in):
    from vasops.vac.models import Subscription

    staff, _om, partner = _setup()
    product = live_product_in_db(
        partner, staff=staff, name="每日运势", fee_fen=600, product_code="9044007201"
    )
    cohort = clock.today() - dt.timedelta(days=2)
    when = dt.datetime.combine(cohort, dt.time(10, 0), tzinfo=clock.SHANGHAI)
    for i in range(25):
        gone = i < 20
        Subscription.objects.create(
            msisdn=f"1860274{i:04d}",
            product=product,
            partner=partner,
            state="unsubscribed" if gone else "active",
            channel="crm",
            requested_at=when,
            effective_at=when,
            expiry_at=when + dt.timedelta(hours=3) if gone else None,
        )

    page = log_in(people(), staff)
    page.get_by_role("link", name="检测阈值").click()
    field(page, "检测日期").fill((clock.today() - dt.timedelta(days=1)).isoformat())
    page.get_by_role("button", name="运行检测").click()
    ok(page, "个疑点")
    row = page.get_by_role("row").filter(has_text="每日运势")
    expect(row).to_contain_text("24 小时内退订比例")
    expect(row).to_contain_text("80.00%")
    expect(page.locator("svg.vasops-chart").first).to_be_visible()
    row.get_by_role("link").first.click()
    expect(page.get_by_test_id("figures")).to_contain_text("窗口内退订")
    screenshot(page, "detection-hit")
