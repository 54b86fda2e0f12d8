"""In the browser: a user's complaint from intake to refund. The user files it on the public form
(an unauthorised monthly order), a CS agent takes it (首问负责) and dispatches it to the partner,
the partner answers in its portal (and cannot see another partner's complaint), the agent refunds
twice the charge with the user unsubscribed — charged back to the partner in the refund's month —
and closes; the user sees the result on the status page with the complaint number and MSISDN.
"""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from e2e.conftest import field, ok
from vasops.core import clock, roles
from vasops.core.testing import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MSISDN = "13012345678"


def _op_form(page, button):
    return page.locator("form").filter(has=page.get_by_role("button", name=button, exact=True))


def test_a_complaint_from_intake_to_refund(people, live_server, log_in):
    from vasops.complaints import actions
    from vasops.complaints.models import Complaint
    from vasops.complaints.tests import factories
    from vasops.partners.tests.factories import partner_user
    from vasops.settlement.models import Adjustment
    from vasops.vac.models import Subscription

    base = live_server.url
    with clock.frozen(dt.date(2026, 12, 1)):  # a Tuesday
        partner = factories.make_partner("武汉光谷资讯有限公司")
        product = factories.make_product(partner, fee_fen=500)
        factories.subscribe(MSISDN, product)  # the month's 5-yuan charge is on the user's CDRs
        partner_user(partner, username="guanggu_cs")
        other = factories.make_partner("武汉江汉娱乐有限公司")
        other_product = factories.make_product(other)
        partner_user(other, username="jianghan_cs")
        agent = make_user("cs_sun", staff=True, roles=[roles.CS_AGENT], display_name="孙丽")
        foreign, _ = actions.receive_complaint(
            actor=agent,
            source="console",
            msisdn="13200000000",
            category="content",
            description="x",
            product=other_product,
        )
        actions.dispatch_complaint(foreign, actor=agent)

        # --- the user files the complaint on the public form -----------------------------------
        user = people()
        user.goto(f"{base}/complaints/public/new/")
        field(user, "您的手机号码").fill(MSISDN)
        field(user, "业务名称或业务代码").fill(product.product_code)
        field(user, "投诉类别").select_option(label="未经同意订购")
        field(user, "投诉内容").fill("从未订购过该业务，本月被扣 5 元。")
        user.get_by_role("button", name="提交投诉").click()
        expect(user.get_by_test_id("complaint-number")).to_contain_text("TS202612-")
        number = Complaint.objects.get(msisdn=MSISDN).number

        # --- a CS agent takes it and dispatches it to the partner ----------------------------
        cs = people()
        log_in(cs, agent)
        cs.goto(f"{base}/complaints/?tab=unowned")
        cs.get_by_role("link", name=number).click()
        cs.get_by_role("button", name="领取（成为首问负责人）").click()
        ok(cs, "首问负责人")
        _op_form(cs, "派单给合作伙伴").get_by_label("给合作伙伴的说明").fill("请提供订购及二次确认记录。")
        cs.get_by_role("button", name="派单给合作伙伴").click()
        ok(cs, "已派单给 武汉光谷资讯有限公司")
        expect(cs.get_by_text("合作伙伴答复：剩余 24 工作小时")).to_be_visible()

        # --- the partner answers in its portal; another partner's complaint is not there -------
        sp = people()
        log_in(sp, "guanggu_cs")
        sp.goto(f"{base}/complaints/my/")
        expect(sp.get_by_role("link", name=foreign.number)).to_have_count(0)
        sp.get_by_role("link", name=number).click()
        expect(sp.get_by_text("130****5678")).to_be_visible()
        field(sp, "处理情况和结果").fill("经核查为推广渠道误订购，同意退费，已退订。")
        sp.get_by_role("button", name="提交答复").click()
        ok(sp, "已提交答复")
        sp.goto(f"{base}/complaints/{foreign.pk}/")
        expect(sp.get_by_text(foreign.number)).to_have_count(0)

        # --- the agent refunds twice the charge, unsubscribes the user, replies and closes -------
        cs.reload()
        refund = _op_form(cs, "退费")
        field(refund, "争议期间起").fill("2026-12-01")
        field(refund, "争议期间止").fill("2026-12-01")
        field(refund, "投诉成立").check()
        field(refund, "同时为用户退订该产品").check()
        cs.get_by_role("button", name="退费", exact=True).click()
        ok(cs, "已退费 10.00 元，已计入合作伙伴 2026-12 结算扣款")
        expect(cs.get_by_test_id("refund")).to_contain_text("已为用户退订")
        field(_op_form(cs, "回复用户并办结"), "回复用户").fill("已为您退订，并按扣费的 2 倍退费 10 元。")
        cs.get_by_role("button", name="回复用户并办结").click()
        ok(cs, "已回复用户并办结")

        adjustment = Adjustment.objects.get(partner=partner)
        assert (adjustment.kind, adjustment.amount_fen, adjustment.month) == (
            "refund",
            -1000,
            dt.date(2026, 12, 1),
        )
        assert not Subscription.objects.filter(msisdn=MSISDN, product=product, state="active").exists()

        # --- the user sees the result with the number and the MSISDN, nothing with another MSISDN
        user.goto(f"{base}/complaints/public/status/")
        field(user, "投诉单号").fill(number)
        field(user, "手机号码").fill("13099999999")
        user.get_by_role("button", name="查询").click()
        expect(user.get_by_text("未找到该投诉")).to_be_visible()
        field(user, "投诉单号").fill(number)
        field(user, "手机号码").fill(MSISDN)
        user.get_by_role("button", name="查询").click()
        status = user.get_by_test_id("complaint-status")
        expect(status).to_contain_text("已办结")
        expect(status).to_contain_text("按扣费的 2 倍退费 10 元")
