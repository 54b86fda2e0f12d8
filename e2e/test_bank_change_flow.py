"""In the browser: a bank-account change of an admitted partner (基本信息变更, 附件6) under the
four-eyes rule. The partner's admin requests it in the portal; staff A gives the first approval
and is refused the second; staff B gives the second approval; the new account waits for the
next settlement period (the first day of next month) and becomes current when the sweep runs.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from e2e.conftest import (
    field,
    ok,
    register_partner_in_db,
    screenshot,
)
from vasops.core import calendar, clock, roles
from vasops.core.testing import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PARTNER_NAME = "武汉东湖移动增值服务有限公司"
PARTNER_USER = "donghu"
PARTNER_PASSWORD = "Donghu-partner-2026!"
OLD_ACCOUNT = "6222020200112233445"
NEW_ACCOUNT = "6217002870099887766"


def test_bank_account_change_needs_two_different_approvers(people, live_server, log_in):
    from vasops.core.models import User
    from vasops.partners import actions
    from vasops.partners.models import PartnerChangeRequest

    base = live_server.url
    with clock.frozen(dt.date(2026, 3, 10)):
        calendar.seed_years([2026])
        staff_a = make_user("bank_a", staff=True, roles=[roles.PRODUCT_STAFF], display_name="陈鹏")
        staff_b = make_user("bank_b", staff=True, roles=[roles.PRODUCT_STAFF], display_name="刘敏")
        partner_row = register_partner_in_db(91, PARTNER_USER, PARTNER_NAME, PARTNER_PASSWORD)
        actions.set_bank_account(
            partner_row,
            actor=User.objects.get(username=PARTNER_USER),
            bank_name="中国工商银行武汉东湖支行",
            account_name=PARTNER_NAME,
            account_number=OLD_ACCOUNT,
        )
        actions.record_admission(
            partner_row, actor=staff_a, enterprise_code="44100091", service_access_number="1065518891"
        )

        # --- the partner's admin requests the change ---------------------------------------
        partner = people()
        log_in(partner, PARTNER_USER, PARTNER_PASSWORD)
        partner.goto(f"{base}/partners/me/changes/")
        partner.get_by_role("link", name="提交变更申请").first.click()
        partner.get_by_role("link", name=re.compile(r"^\s*银行账户")).click()
        expect(partner.get_by_text("双人复核").first).to_be_visible()
        field(partner, "开户行").fill("招商银行武汉光谷支行")
        assert field(partner, "户名").input_value() == PARTNER_NAME
        field(partner, "账号").fill(NEW_ACCOUNT)
        field(partner, "变更说明").fill("结算账户迁至招商银行")
        partner.get_by_role("button", name="提交申请").click()
        ok(partner, "已提交，审核通过后生效")
        change_url = partner.url
        expect(partner.get_by_text("待审核").first).to_be_visible()
        screenshot(partner, "bank-change-01-submitted")
        number = PartnerChangeRequest.objects.get().number

        # --- staff A: first approval ---------------------------------------------------------
        a = people()
        log_in(a, staff_a)
        a.goto(f"{base}/partners/changes/")
        a.get_by_role("link", name=number).click()
        field(a, "审核意见").fill("账户信息与开户证明一致。")
        a.get_by_role("button", name="初审通过").click()
        ok(a, "已处理")
        expect(a.get_by_text("已初审（待复核）").first).to_be_visible()
        expect(a.get_by_text("须另一名工作人员复核（双人复核）")).to_be_visible()
        # the first approver is not offered the second approval ...
        assert a.get_by_role("button", name="复核通过").count() == 0
        # ... and is refused when posting it anyway
        a.locator("form").filter(has=a.get_by_role("button", name="驳回")).evaluate(
            """form => {
                const b = document.createElement('button');
                b.name = 'op'; b.value = 'second-approve'; b.type = 'submit'; b.textContent = '复核通过';
                form.appendChild(b);
            }"""
        )
        a.get_by_role("button", name="复核通过").click()
        a.get_by_role("alert").filter(
            has_text="银行账户变更须由另一名工作人员复核，初审人不能同时复核（双人复核）"
        ).first.wait_for()
        screenshot(a, "bank-change-02-four-eyes-refused")
        assert PartnerChangeRequest.objects.get().state == "approved"

        # --- staff B: second approval --------------------------------------------------------
        b = people()
        log_in(b, staff_b)
        b.goto(change_url)
        b.get_by_role("button", name="复核通过").click()
        ok(b, "已处理")
        expect(b.get_by_text("已复核（待生效）").first).to_be_visible()
        expect(b.get_by_text("生效日期 2026-04-01")).to_be_visible()
        screenshot(b, "bank-change-03-second-approved")

        # --- the partner sees the change pending until the next settlement period -----------
        partner.goto(change_url)
        expect(partner.get_by_text("已复核（待生效）").first).to_be_visible()
        expect(partner.get_by_text("新银行账户自 2026-04-01（下一结算周期）起生效")).to_be_visible()
        partner.goto(f"{base}/partners/me/")
        bank = partner.locator(".card").filter(has_text="银行账户").filter(has_not_text="操作历史").last
        assert OLD_ACCOUNT in bank.inner_text() and NEW_ACCOUNT not in bank.inner_text()
        screenshot(partner, "bank-change-04-pending")

    # --- the first day of next month: the sweep makes the new account current ---------------
    with clock.frozen(dt.date(2026, 4, 1)):
        applied = actions.apply_due_bank_changes()
        assert [cr.number for cr in applied] == [number]
        partner.goto(f"{base}/partners/me/")
        bank = partner.locator(".card").filter(has_text="银行账户").filter(has_not_text="操作历史").last
        assert NEW_ACCOUNT in bank.inner_text() and "招商银行武汉光谷支行" in bank.inner_text()
        assert OLD_ACCOUNT not in bank.inner_text()
        partner.goto(change_url)
        expect(partner.get_by_text("已生效").first).to_be_visible()
        screenshot(partner, "bank-change-05-applied")
