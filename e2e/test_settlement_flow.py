"""In the browser: finance computes November's settlement, is refused approving its own run, a
second finance user approves, the first publishes; the partner finds its statement in the portal
and downloads the PDF (with its name, the product and the amount in it)."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from playwright.sync_api import expect

from e2e.conftest import field, ok, register_partner_in_db, screenshot
from vasops.core import calendar, clock, roles
from vasops.core.testing import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PARTNER_NAME = "武汉江城移动资讯有限公司"
PARTNER_USER = "jiangcheng"
PARTNER_PASSWORD = "Jiangcheng-partner-2026!"
NOV = dt.date(2026, 11, 1)


def test_finance_runs_approves_and_publishes_and_the_partner_downloads(
    people, live_server, log_in, settings, tmp_path
):
    from vasops.catalog.tests.factories import ProductFactory
    from vasops.partners.models import BankAccount
    from vasops.settlement import actions
    from vasops.settlement.tests.cdrs import shanghai, write_month

    settings.VASOPS_CDR_DIR = tmp_path / "cdr"
    settings.VASOPS_SETTLEMENT_RUNNER = "inline"
    base = live_server.url
    with clock.frozen(dt.date(2026, 12, 3)):
        calendar.seed_years([2026])
        fin_a = make_user("fin_a", staff=True, roles=[roles.FINANCE], display_name="赵敏")
        fin_b = make_user("fin_b", staff=True, roles=[roles.FINANCE], display_name="钱进")
        partner = register_partner_in_db(93, PARTNER_USER, PARTNER_NAME, PARTNER_PASSWORD)
        product = ProductFactory(partner=partner, name="江城天气早知道", state="active")
        BankAccount.objects.create(
            partner=partner,
            bank_name="中国建设银行武汉江汉支行",
            account_name=PARTNER_NAME,
            account_number="4200150101234567890",
            effective_from=dt.date(2026, 1, 1),
        )
        actions.create_ratio_version(
            actor=fin_a,
            level="contract",
            partner=partner,
            ratio_bp=7000,
            valid_from=NOV,
            reason="合同约定 70%",
        )
        write_month(
            settings.VASOPS_CDR_DIR,
            NOV,
            [
                (product.pk, partner.pk, 500, "monthly", shanghai(NOV + dt.timedelta(days=d), 9))
                for d in range(10)
            ]
            + [(product.pk, partner.pk, 99, "per_use", shanghai(dt.date(2026, 11, 30), 23, 50))],
        )

        # --- finance A computes November -------------------------------------------------
        a = people()
        log_in(a, fin_a)
        a.goto(f"{base}/settlement/runs/")
        a.get_by_role("link", name="发起结算").click()
        field(a, "结算月份").fill("2026-11")
        a.get_by_role("button", name="开始计算").click()
        expect(a.get_by_text("已计算待审核").first).to_be_visible()
        # 10 × 5.00 + 0.99 = 50.99; × 70 % = 35.693 → 35.69
        expect(a.get_by_text("50.99").first).to_be_visible()
        expect(a.get_by_text("35.69").first).to_be_visible()
        screenshot(a, "settlement-01-computed")
        run_url = a.url
        a.get_by_role("button", name="审核通过").click()
        expect(a.get_by_role("alert").filter(has_text="双人复核")).to_be_visible()

        # --- finance B approves, A publishes --------------------------------------------------
        b = people()
        log_in(b, fin_b)
        b.goto(run_url)
        b.get_by_role("button", name="审核通过").click()
        ok(b, "已审核")
        a.goto(run_url)
        a.get_by_role("button", name="发布").click()
        ok(a, "已发布")
        expect(a.get_by_text("已发布").first).to_be_visible()
        screenshot(a, "settlement-02-published")

        # --- the partner downloads its statement ----------------------------------------------
        p = people()
        log_in(p, PARTNER_USER, PARTNER_PASSWORD)
        p.goto(f"{base}/settlement/my/statements/")
        p.get_by_role("link", name="JS202611-V1-").click()
        expect(p.get_by_text("中国建设银行武汉江汉支行").first).to_be_visible()
        with p.expect_download() as download_info:
            p.get_by_role("link", name="下载 PDF").click()
        pdf = download_info.value
        content = Path(pdf.path()).read_bytes()
        assert content.startswith(b"%PDF")
        from pypdf import PdfReader

        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).replace(" ", "")
        assert PARTNER_NAME in text and "江城天气早知道" in text and "35.69" in text
        screenshot(p, "settlement-03-partner-statement")
