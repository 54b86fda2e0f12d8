"""In the browser: the whole admission flow, from self-registration to a signed contract.

One person per browser context — the partner, a product-innovation staff member (TOTP) and three
review experts — with the business date moved by ``clock.frozen`` around each phase:

2027-01-04 register, certificates, application, submit · 01-08 initial review, exam scheduled ·
01-12 online papers, results published, review meeting scheduled · 01-18 experts score,
attendance · 01-19 decision accept · 01-21 access data, data-change work orders resolved ·
01-22 access testing, opening · 01-25 contract.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from e2e.conftest import (
    credit_code,
    field,
    ok,
    pdf_file,
    screenshot,
    seed_admission_setup,
)
from vasops.core import clock, roles
from vasops.core.testing import DEFAULT_PASSWORD, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PARTNER_NAME = "武汉光谷云讯科技有限公司"
PARTNER_PASSWORD = "Yunxun-partner-2027!"
EXPERTS = [
    ("flow_expert1", "刘教授", "华中科技大学"),
    ("flow_expert2", "何高工", "武汉大学"),
    ("flow_expert3", "冯主任", "湖北大学"),
]


def _answer_paper(page):
    """Tick the correct answer of every question on the open paper, looked up in the bank."""
    from vasops.admission.exam.models import Question

    names = page.locator("#paper-form input[name^=q_]").evaluate_all(
        "els => [...new Set(els.map(e => e.name))]"
    )
    assert names, "the paper shows no questions"
    for name in names:
        question = Question.objects.get(pk=int(name.removeprefix("q_")))
        for value in question.answer:  # "C", "ABD", "T" / "F"
            page.locator(f"#q{question.pk}_{value}").check()


def test_whole_admission_flow_from_registration_to_signed_contract(people, live_server, tmp_path, log_in):
    base = live_server.url
    staff = make_user("flow_pi", staff=True, roles=[roles.PRODUCT_STAFF], display_name="陈鹏")
    seed_admission_setup(staff)
    expert_users = [
        make_user(username, roles=[roles.EXPERT], display_name=name) for username, name, _ in EXPERTS
    ]
    pdf = pdf_file(tmp_path, "scan.pdf")

    # --- 2027-01-04: the partner registers, completes its certificates and applies -----------
    with clock.frozen(dt.date(2027, 1, 4)):
        partner = people()
        partner.goto(f"{base}/partners/register/")
        field(partner, "企业名称").fill(PARTNER_NAME)
        partner.get_by_label("SP（服务提供商）").check()
        partner.get_by_label("本地", exact=True).check()
        field(partner, "统一社会信用代码").fill(credit_code(42))
        field(partner, "法定代表人").fill("王云讯")
        field(partner, "地址").fill("湖北省武汉市东湖高新区光谷大道 88 号")
        field(partner, "客服热线").fill("4008009988")
        field(partner, "用户名").fill("yunxun")
        field(partner, "密码").fill(PARTNER_PASSWORD)
        field(partner, "确认密码").fill(PARTNER_PASSWORD)
        field(partner, "姓名").fill("王云讯")
        field(partner, "邮箱").fill("yunxun@partner.example")
        partner.get_by_role("button", name="注册").click()
        ok(partner, "注册成功")

        partner.goto(f"{base}/partners/me/")
        checklist = partner.get_by_test_id("checklist")
        labels = [
            "增值电信业务经营许可证",
            "营业执照",
            "税务登记证",
            "银行开户证明",
            "短消息代码使用证",
            "第三方资讯使用许可证明",
        ]
        for n, label in enumerate(labels, start=1):
            checklist.get_by_role("row").filter(has_text=label).get_by_role("link", name="上传").first.click()
            field(partner, "证书编号").fill(f"YX-{n:03d}")
            field(partner, "发证机关").fill("湖北省通信管理局")
            field(partner, "有效期自").fill("2025-01-01")
            field(partner, "有效期至").fill("2029-12-31")
            field(partner, "证书扫描件").set_input_files(pdf)
            partner.get_by_role("button", name="保存").click()
            ok(partner, "资质证书已上传")
        expect(partner.get_by_test_id("eligibility").filter(has_text="可以申请准入")).to_be_visible()
        screenshot(partner, "admission-flow-01-partner-certificates")

        # the contacts and the settlement account a contract needs (附件8), in the company's name
        for role, person in (("business", "张业务"), ("technical", "李技术"), ("customer_service", "王客服")):
            partner.goto(f"{base}/partners/me/contacts/{role}/")
            field(partner, "姓名").fill(person)
            field(partner, "电话").fill("027-87654321")
            field(partner, "邮箱").fill(f"{role}@yunxun.example")
            partner.get_by_role("button", name="保存").click()
            ok(partner, "联系人已保存")
        partner.goto(f"{base}/partners/me/bank/")
        field(partner, "开户行").fill("中国工商银行武汉光谷支行")
        assert field(partner, "户名").input_value() == PARTNER_NAME
        field(partner, "账号").fill("3202001509200654321")
        partner.get_by_role("button", name="保存").click()
        ok(partner, "银行账户已保存")

        partner.goto(f"{base}/admission/applications/new/")
        partner.get_by_label("短信", exact=True).check()
        field(partner, "接入方式").select_option(label="专线")
        field(partner, "持证运维人员数").fill("2")
        field(partner, "呼叫中心席位数").fill("2")
        field(partner, "客服人员数").fill("8")
        field(partner, "接通率（基点）").fill("9950")
        field(partner, "20 秒内应答率（基点）").fill("8600")
        partner.get_by_role("button", name="创建申请").click()
        ok(partner, "已创建准入申请")
        app_url = partner.url
        number = partner.get_by_role("heading", level=1).inner_text().split()[-1]

        partner.get_by_role("link", name="上传资料").first.click()
        for material in [
            "商业计划书",
            "接入技术方案",
            "业务介绍及用户操作指南",
            "合作业务申请资料",
            "增值业务接入申请表",
        ]:
            field(partner, "资料类型").select_option(label=material)
            field(partner, "文件").set_input_files(pdf)
            partner.get_by_role("button", name="上传").click()
            ok(partner, "资料已上传")
        partner.get_by_role("link", name="返回申请").first.click()
        partner.get_by_role("link", name="产品申请表").first.click()
        field(partner, "业务类别").select_option(label="短信")
        field(partner, "产品名称").fill("光谷天气早知道")
        field(partner, "产品描述").fill("每天早上 7 点推送本地天气")
        field(partner, "资费（元）").fill("3")
        field(partner, "计费方式").select_option(label="包月")
        partner.get_by_role("button", name="添加产品").click()
        ok(partner, "产品已添加")
        partner.get_by_role("link", name="返回申请").first.click()
        partner.get_by_role("link", name="检查并提交").first.click()
        expect(partner.get_by_text("全部受理条件均已满足")).to_be_visible()
        partner.get_by_role("button", name="提交申请").click()
        ok(partner, "申请已提交")
        expect(partner.get_by_text("已提交待初审").first).to_be_visible()
        screenshot(partner, "admission-flow-02-submitted")

    # --- 2027-01-08: initial review; the exam is scheduled for the 12th ----------------------
    with clock.frozen(dt.date(2027, 1, 8)):
        pi = people()
        log_in(pi, staff)
        pi.goto(app_url)
        pi.get_by_role("link", name="初审").first.click()
        pi.get_by_label("通过", exact=True).check()
        field(pi, "初审意见").fill("材料齐全，符合准入条件。")
        pi.get_by_role("button", name="提交初审结论").click()
        ok(pi, "初审结果已记录")
        expect(pi.get_by_text("初审通过待考核").first).to_be_visible()

        pi.goto(f"{base}/admission/console/exam/sittings/new/")
        field(pi, "准入申请").select_option(label=f"{number} · {PARTNER_NAME}")
        field(pi, "考核日期").fill("2027-01-12")
        field(pi, "考试时长（分钟）").fill("60")
        field(pi, "每卷题数").fill("5")
        field(pi, "业务考生姓名").fill("张业务")
        field(pi, "技术考生姓名").fill("李技术")
        pi.get_by_role("button", name="安排考核并抽题").click()
        ok(pi, "考核已安排")
        sitting_url = pi.url
        screenshot(pi, "admission-flow-03-exam-scheduled")

    # --- 2027-01-12: both papers answered online, results published, review scheduled --------
    with clock.frozen(dt.date(2027, 1, 12)):
        for _paper in range(2):
            partner.goto(f"{base}/admission/portal/exam/")
            partner.get_by_role("link", name="进入考试").first.click()
            partner.get_by_role("button", name="开始作答").click()
            _answer_paper(partner)
            partner.locator("#autosave").filter(has_text="已自动保存").wait_for()
            partner.get_by_role("button", name="交卷").click()
            ok(partner, "已交卷")
        screenshot(partner, "admission-flow-04-papers-submitted")

        pi.goto(sitting_url)
        pi.get_by_role("button", name="公布成绩").click()
        ok(pi, "考核通过")
        partner.goto(f"{base}/admission/portal/exam/")
        expect(partner.get_by_text("考核通过", exact=True)).to_be_visible()
        scores = partner.locator(".list-group-item strong").all_inner_texts()
        assert scores == ["100", "100"], scores

        # the expert pool: three expert accounts added through the console
        for user, (_username, name, affiliation) in zip(expert_users, EXPERTS, strict=True):
            pi.goto(f"{base}/admission/console/review/experts/new/")
            field(pi, "登录账号").select_option(label=str(user))
            field(pi, "姓名").fill(name)
            field(pi, "专业领域").fill("短信, WAP")
            field(pi, "所在单位").fill(affiliation)
            pi.get_by_role("button", name="保存").click()
            ok(pi, "加入专家库")

        pi.goto(f"{base}/admission/console/review/meetings/new/")
        field(pi, "准入申请").select_option(label=f"{number} · {PARTNER_NAME}")
        field(pi, "评审日期").fill("2027-01-18")
        field(pi, "地点").fill("省公司 3 楼会议室")
        field(pi, "评审组人数").fill("3")
        pi.get_by_role("button", name="安排评审会并抽取").click()
        ok(pi, "评审会已安排")
        meeting_url = pi.url
        for _username, name, _aff in EXPERTS:
            expect(pi.get_by_role("cell", name=name, exact=True)).to_be_visible()

    # --- 2027-01-18: the review meeting: attendance, every expert scores in the browser --------
    with clock.frozen(dt.date(2027, 1, 18)):
        pi.goto(meeting_url)
        pi.get_by_label("已到场（演讲并演示）").check()
        pi.get_by_role("button", name="登记").click()
        ok(pi, "已登记到场")

        for n, (username, _name, _aff) in enumerate(EXPERTS):
            expert = people()
            log_in(expert, username, DEFAULT_PASSWORD)
            expert.goto(f"{base}/admission/expert/")
            expert.get_by_role("link", name="打分").first.click()
            boxes = expert.locator("input[name^=score_]")
            assert boxes.count() >= 3
            for i in range(boxes.count()):
                boxes.nth(i).fill(str(82 + (n + i) % 10))
            field(expert, "评语").fill("业务方案清晰，演示顺利。")
            expert.get_by_role("button", name="提交", exact=True).click()
            ok(expert, "评分表已提交")
            if n == 0:
                screenshot(expert, "admission-flow-05-expert-sheet")
            expert.context.close()

        pi.goto(meeting_url)
        expect(pi.get_by_text("已完成", exact=True).first).to_be_visible()
        assert pi.locator("dt:text-is('综合得分') + dd").inner_text().strip() != "—"
        screenshot(pi, "admission-flow-06-review-completed")

    # --- 2027-01-19: decision accept ------------------------------------------------------------
    with clock.frozen(dt.date(2027, 1, 19)):
        pi.goto(app_url)
        pi.get_by_role("link", name="准入决定").first.click()
        pi.get_by_label("接受（分配企业代码与业务接入号）").check()
        field(pi, "理由").fill("评审综合得分良好，同意准入。")
        pi.get_by_role("button", name="提交决定").click()
        ok(pi, "准入决定已记录")
        expect(pi.get_by_text("44100001", exact=True)).to_be_visible()

    # --- 2027-01-21: access data; data-change work orders raised and resolved -----------------
    with clock.frozen(dt.date(2027, 1, 21)):
        partner.goto(app_url)
        expect(partner.get_by_text("接入资料须在")).to_be_visible()
        partner.get_by_role("link", name="提交接入资料").first.click()
        field(partner, "技术联系人及电话").fill("李技术 027-87654321")
        field(partner, "接入服务器地址（IP/端口）").fill("10.10.1.20:8801（专线）")
        field(partner, "业务及产品信息").fill("短信天气包月业务")
        partner.get_by_role("button", name="提交", exact=True).click()
        ok(partner, "接入资料已提交")

        pi.goto(app_url)
        pi.get_by_role("link", name="数据修改工单").first.click()
        pi.get_by_label("短信网关").check()
        pi.get_by_label("VAC鉴权中心").check()
        pi.get_by_role("button", name="发起工单").click()
        ok(pi, "已发起 2 张数据修改工单")
        hrefs = sorted(
            {
                href
                for href in pi.locator("a[href*='/workorders/']").evaluate_all("els => els.map(e => e.href)")
                if re.search(r"/workorders/\d+/$", href)
            }
        )
        assert len(hrefs) == 2, hrefs
        for href in hrefs:
            pi.goto(href)
            resolve = pi.locator("form").filter(has=pi.get_by_role("button", name="解决"))
            field(resolve, "处理结果").fill("数据已制作完成。")
            resolve.get_by_role("button", name="解决").click()
            ok(pi, "已解决")
        screenshot(pi, "admission-flow-07-work-order-resolved")

    # --- 2027-01-22: access testing and opening -------------------------------------------------
    with clock.frozen(dt.date(2027, 1, 22)):
        pi.goto(app_url)
        pi.get_by_role("button", name="开始接入测试").first.click()
        ok(pi, "已进入接入测试")
        pi.get_by_role("link", name="记录测试结果").first.click()
        cases = field(pi, "测试用例").locator("option").all_inner_texts()
        assert cases
        for case in cases:
            field(pi, "测试用例").select_option(label=case)
            pi.get_by_label("通过", exact=True).check()
            field(pi, "说明").fill("测试通过")
            pi.get_by_role("button", name="记录结果").click()
            ok(pi, "测试结果已记录")
        pi.get_by_role("link", name="返回申请").first.click()
        # 附件5 开通资料: pre-filled from the application, the unsubscribe method added
        pi.get_by_role("link", name="开通", exact=True).click()
        assert field(pi, "客服电话").input_value() == "4008009988"
        field(pi, "业务内容").fill("每日早 7 点推送本地天气")
        field(pi, "资费标准").fill("5 元/月（包月）")
        field(pi, "退订方式").fill("发送 TD 到业务接入号")
        pi.get_by_role("button", name="开通", exact=True).click()
        ok(pi, "已开通")
        expect(pi.get_by_text("发送 TD 到业务接入号", exact=True)).to_be_visible()

    # --- 2027-01-25: the contract ------------------------------------------------------------
    with clock.frozen(dt.date(2027, 1, 25)):
        pi.get_by_role("link", name="签订合同").first.click()
        field(pi, "合同起始日").fill("2027-02-01")
        field(pi, "合同终止日").fill("2028-01-31")
        field(pi, "结算比例（基点）").fill("5000")
        field(pi, "合同签署扫描件").set_input_files(pdf_file(tmp_path, "合作协议（已签署）.pdf"))
        pi.get_by_role("button", name="登记合同").click()
        ok(pi, "合同已登记")

        partner.goto(app_url)
        expect(partner.get_by_text("已签约", exact=True).first).to_be_visible()
        timeline = partner.get_by_test_id("timeline")
        for step in [
            "创建申请",
            "提交申请",
            "初审通过",
            "接入考核通过",
            "安排接入评审会",
            "接入评审完成",
            "准入通过",
            "提交接入资料",
            "发起数据修改工单",
            "开始接入测试",
            "开通",
            "签订合同",
        ]:
            expect(timeline.get_by_text(step).first, step).to_be_visible()
        contract = partner.locator("dt:text-is('合同') + dd")
        assert re.search(r"2027\D+0?2\D+0?1\D* 至 2028\D+0?1\D+31", contract.inner_text()), (
            contract.inner_text()
        )
        expect(contract.get_by_role("link", name="签署件")).to_be_visible()
        screenshot(partner, "admission-flow-08-contracted")
