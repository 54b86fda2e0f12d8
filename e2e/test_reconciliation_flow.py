"""In the browser: 结算对账 (《日常事务办理规范》第三章 五、附件 7). The partner applies for
December 2026's reconciliation in the portal, uploads its records (a GBK CSV, one day counted
once more than our CDRs), sees the diff with its chart, disputes the line with an evidence file;
finance accepts it in the console's dispute queue and the dispute Adjustment is recorded for
January 2027, the next month's run; the partner sees the decision."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from e2e.conftest import field, ok, pdf_file, screenshot
from vasops.core import calendar, clock

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_partner_reconciles_disputes_and_finance_accepts(people, live_server, tmp_path, log_in, settings):
    from vasops.settlement.models import Adjustment
    from vasops.settlement.reconciliation.models import Dispute
    from vasops.settlement.reconciliation.tests import factories as f

    base = live_server.url
    with clock.frozen(dt.date(2027, 1, 5)):
        calendar.seed_years([2026, 2027])
        partner, (monthly, per_use) = f.partner_with_products(
            "武汉星河科技有限公司", ["1065770101", "1065770102"]
        )
        alice = f.member(partner, "xinghe")
        finance = f.finance_user("zhao.fin")
        f.member(f.partner_with_products("武汉江城数据有限公司", ["1065660101"])[0], "jiangcheng")
        f.write_month(
            settings.VASOPS_CDR_DIR,
            [
                f.cdr("M1", monthly, dt.date(2026, 12, 1), 500),
                f.cdr("U1", per_use, dt.date(2026, 12, 2), 100),
                f.cdr("U2", per_use, dt.date(2026, 12, 2), 100, msisdn="18602710002"),
            ],
        )
        summary = tmp_path / "星河-2026-12-对账.csv"
        summary.write_bytes(
            "日期,产品代码,条数,金额（分）\n2026-12-01,1065770101,1,500\n2026-12-02,1065770102,3,300\n".encode(
                "gbk"
            )
        )
        evidence = pdf_file(tmp_path, "平台日志.pdf")

        # --- the partner applies and uploads ------------------------------------------------
        page = log_in(people(), alice)
        page.goto(f"{base}/settlement/reconciliation/mine/")
        page.get_by_role("link", name="申请对账").first.click()
        field(page, "对账月份").fill("2026-12")
        page.get_by_role("button", name="提交对账申请").click()
        ok(page, "请上传对账文件")
        page.get_by_label("对账汇总文件（按日 × 产品）").set_input_files(str(summary))
        page.get_by_role("button", name="上传并比对").click()
        ok(page, "对账文件已导入并完成比对")
        lines = page.get_by_test_id("diff-lines")
        differing = lines.get_by_role("row").filter(has_text="2026-12-02")
        expect(differing).to_contain_text("金额不一致")
        expect(lines.get_by_role("row").filter(has_text="2026-12-01")).to_contain_text("一致")
        expect(page.get_by_test_id("our-total")).to_contain_text("7.00")
        expect(page.get_by_test_id("their-total")).to_contain_text("8.00")
        expect(page.locator("svg rect.chart-theirs")).to_have_count(31)
        screenshot(page, "reconciliation-diff")

        # --- and disputes the line ------------------------------------------------------------
        differing.get_by_role("link", name="提出争议").click()
        field(page, "争议理由").fill("平台 12 月 2 日记录 3 条，见平台日志。")
        page.get_by_label("证据文件（可选）").set_input_files(str(evidence))
        page.get_by_role("button", name="提交争议").click()
        ok(page, "已提出争议")
        dispute = Dispute.objects.get()
        expect(page.get_by_test_id("claimed")).to_contain_text("1.00")
        expect(page.get_by_role("link", name="平台日志.pdf")).to_be_visible()

        # --- finance accepts it in the dispute queue --------------------------------------------
        fin = log_in(people(), finance)
        fin.goto(f"{base}/settlement/reconciliation/disputes/")
        fin.get_by_role("link", name=dispute.number).click()
        field(fin, "处理意见").fill("核实平台漏计 1 条，补结。")
        fin.get_by_role("button", name="接受争议").click()
        ok(fin, "已接受争议")
        expect(fin.get_by_test_id("adjustment")).to_contain_text("计入 2027-01 结算")
        screenshot(fin, "reconciliation-dispute-accepted")

        adjustment = Adjustment.objects.get()
        assert (adjustment.kind, adjustment.amount_fen, adjustment.month, adjustment.partner_id) == (
            "dispute",
            100,
            dt.date(2027, 1, 1),
            partner.pk,
        )

        # --- the partner sees the decision; another partner sees nothing -------------------------
        page.reload()
        expect(page.get_by_text("已接受").first).to_be_visible()
        other = log_in(people(), "jiangcheng")
        response = other.goto(f"{base}/settlement/reconciliation/disputes/{dispute.pk}/")
        assert response is not None and response.status == 404
