"""In the browser: the admission portal refusing what the rules refuse — outside the acceptance
window, a blacklisted partner, a failed exam, and reapplying inside the 3-month lockout."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from e2e.conftest import (
    field,
    register_partner_in_db,
    screenshot,
    seed_admission_setup,
    submit_application_in_db,
)
from vasops.core import clock, roles
from vasops.core.testing import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PARTNER_PASSWORD = "Partner-e2e-2027!"


def _fill_application_form(page):
    page.get_by_label("短信", exact=True).check()
    field(page, "接入方式").select_option(label="专线")
    field(page, "持证运维人员数").fill("2")
    field(page, "呼叫中心席位数").fill("2")
    field(page, "客服人员数").fill("8")
    field(page, "接通率（基点）").fill("9950")
    field(page, "20 秒内应答率（基点）").fill("8600")
    page.get_by_role("button", name="创建申请").click()


def _approved_application(staff, partner):
    """Submitted on 2027-01-04 and approved at initial review on 01-08 (pre-condition)."""
    from vasops.admission import actions

    with clock.frozen(dt.date(2027, 1, 4)):
        app = submit_application_in_db(partner)
    with clock.frozen(dt.date(2027, 1, 8)):
        return actions.review_application(app, actor=staff, decision="approve", reason="材料齐全。")


def _schedule_exam(staff, app):
    from vasops.admission.exam import actions as exam_actions

    with clock.frozen(dt.date(2027, 1, 8)):
        return exam_actions.schedule_exam(
            app,
            actor=staff,
            date=dt.date(2027, 1, 12),
            duration_minutes=60,
            questions_per_paper=5,
            business_person="张业务",
            technical_person="李技术",
            seed="e2e-negative",
        )


def test_closed_window_refuses_a_new_application_and_names_the_next_opening(people, live_server, log_in):
    staff = make_user("neg_pi_window", staff=True, roles=[roles.PRODUCT_STAFF])
    seed_admission_setup(staff, questions=False)
    register_partner_in_db(11, "neg_window", "武汉窗口测试科技有限公司", PARTNER_PASSWORD)

    with clock.frozen(dt.date(2027, 1, 11)):
        page = people()
        log_in(page, "neg_window", PARTNER_PASSWORD)
        page.goto(f"{live_server.url}/admission/applications/new/")
        closed = page.get_by_test_id("window-closed")
        expect(closed).to_be_visible()
        assert "2027年04月01日" in closed.inner_text()
        assert "当前不在准入申请受理期" in closed.inner_text()
        assert page.get_by_role("button", name="创建申请").count() == 0
        screenshot(page, "admission-negative-window-closed")

        page.goto(f"{live_server.url}/admission/my/")
        expect(page.get_by_text("下一受理期自 2027年04月01日 开始")).to_be_visible()

    from vasops.admission.models import Application

    assert not Application.objects.exists()


def test_blacklisted_partner_is_refused_naming_the_blacklist(people, live_server, log_in):
    staff = make_user("neg_pi_black", staff=True, roles=[roles.PRODUCT_STAFF], display_name="陈鹏")
    seed_admission_setup(staff, questions=False)
    partner = register_partner_in_db(12, "neg_black", "荆楚无线增值服务有限公司", PARTNER_PASSWORD)

    with clock.frozen(dt.date(2027, 1, 5)):
        pi = people()
        log_in(pi, staff)
        pi.goto(f"{live_server.url}/partners/{partner.pk}/")
        pi.get_by_role("link", name="登记限制").first.click()
        field(pi, "限制类型").select_option(label="黑名单（信用）")
        field(pi, "原因").fill("2026 年第四季度信用评级为“不合格”。")
        field(pi, "来源").fill("信用评级 2026Q4")
        assert field(pi, "开始日期").input_value() == "2027-01-05"
        pi.get_by_role("button", name="登记").click()
        pi.get_by_role("alert").filter(has_text="限制已登记").wait_for()

        page = people()
        log_in(page, "neg_black", PARTNER_PASSWORD)
        page.goto(f"{live_server.url}/admission/applications/new/")
        _fill_application_form(page)
        refusal = page.get_by_role("alert").filter(has_text="黑名单")
        refusal.wait_for()
        assert "已列入黑名单" in refusal.inner_text()
        # 第二章 二、1 以往半年内: the record of 2027-01-05 bars through 2027-07-04
        assert "至 2027-07-04 止" in refusal.inner_text()
        assert "第二章 二、1" in refusal.inner_text()
        screenshot(page, "admission-negative-blacklisted")

    from vasops.admission.models import Application

    assert not Application.objects.exists()


def test_failed_exam_is_published_and_the_partner_sees_it(people, live_server, log_in):
    staff = make_user("neg_pi_exam", staff=True, roles=[roles.PRODUCT_STAFF])
    seed_admission_setup(staff)
    partner = register_partner_in_db(13, "neg_exam", "武汉考核测试科技有限公司", PARTNER_PASSWORD)
    app = _approved_application(staff, partner)
    sitting = _schedule_exam(staff, app)

    with clock.frozen(dt.date(2027, 1, 12)):
        pi = people()
        log_in(pi, staff)
        pi.goto(f"{live_server.url}{sitting.get_absolute_url()}")
        field(pi, "业务成绩").fill("79")
        field(pi, "技术成绩").fill("95")
        field(pi, "说明").fill("纸质闭卷考试，试卷编号 2027-01-A")
        pi.get_by_role("button", name="录入成绩").click()
        pi.get_by_role("alert").filter(has_text="线下考试成绩已录入").wait_for()
        pi.get_by_role("button", name="公布成绩").click()  # confirm() accepted by the helper
        pi.get_by_role("alert").filter(has_text="考核未通过").wait_for()

        page = people()
        log_in(page, "neg_exam", PARTNER_PASSWORD)
        page.goto(f"{live_server.url}/admission/portal/exam/")
        expect(page.get_by_text("考核未通过", exact=True)).to_be_visible()
        assert page.locator(".list-group-item strong").all_inner_texts() == ["79", "95"]
        screenshot(page, "admission-negative-exam-failed")
        page.goto(f"{live_server.url}{app.get_absolute_url()}")
        expect(page.get_by_text("考核未通过", exact=True).first).to_be_visible()
        expect(page.get_by_test_id("timeline").get_by_text("接入考核未通过")).to_be_visible()


def test_reapplying_inside_the_lockout_after_a_rejection_is_refused_with_the_end_date(
    people, live_server, log_in
):
    from vasops.admission.exam import actions as exam_actions
    from vasops.admission.review import actions as review_actions
    from vasops.admission.review.models import ReviewMeeting

    staff = make_user("neg_pi_lock", staff=True, roles=[roles.PRODUCT_STAFF], display_name="陈鹏")
    seed_admission_setup(staff)
    for n in range(3):
        user = make_user(f"neg_expert{n}", roles=[roles.EXPERT])
        review_actions.create_expert(
            actor=staff, user=user, name=f"专家{n}", specialities=["短信"], affiliation=""
        )
    partner = register_partner_in_db(14, "neg_lock", "武汉锁定测试科技有限公司", PARTNER_PASSWORD)
    app = _approved_application(staff, partner)
    sitting = _schedule_exam(staff, app)
    # pre-condition: exam passed and the review held — the rejection itself happens in the browser
    with clock.frozen(dt.date(2027, 1, 12)):
        exam_actions.record_paper_scores(
            sitting, actor=staff, business_score=85, technical_score=81, reason="纸质"
        )
        exam_actions.publish_exam_results(sitting, actor=staff)
        app.refresh_from_db()
        meeting = review_actions.schedule_review_meeting(
            app, actor=staff, date=dt.date(2027, 1, 18), place="省公司会议室", panel_size=3, seed="e2e"
        )
    with clock.frozen(dt.date(2027, 1, 18)):
        meeting = ReviewMeeting.objects.get(pk=meeting.pk)
        review_actions.record_attendance(meeting, actor=staff, attended=True)
        for sheet in meeting.sheets.select_related("expert__user"):
            scores = dict.fromkeys(meeting.weights, 55)
            review_actions.submit_score_sheet(
                sheet, actor=sheet.expert.user, scores=scores, comment="方案薄弱。"
            )

    with clock.frozen(dt.date(2027, 1, 19)):
        pi = people()
        log_in(pi, staff)
        pi.goto(f"{live_server.url}{app.get_absolute_url()}")
        pi.get_by_role("link", name="准入决定").first.click()
        pi.get_by_label("拒绝（3 个月内不得申请）").check()
        field(pi, "理由").fill("评审综合得分不足 60 分。")
        pi.get_by_role("button", name="提交决定").click()
        pi.get_by_role("alert").filter(has_text="准入决定已记录").wait_for()
        expect(pi.get_by_text("驳回", exact=True).first).to_be_visible()

    # 2027-04-02: the April window is open, but the lockout runs until 2027-04-18
    with clock.frozen(dt.date(2027, 4, 2)):
        page = people()
        log_in(page, "neg_lock", PARTNER_PASSWORD)
        page.goto(f"{live_server.url}/admission/applications/new/")
        assert page.get_by_test_id("window-closed").count() == 0
        _fill_application_form(page)
        refusal = page.get_by_role("alert").filter(has_text="驳回")
        refusal.wait_for()
        assert "准入申请被驳回未满 3 个月" in refusal.inner_text()
        assert "2027-04-18" in refusal.inner_text()
        screenshot(page, "admission-negative-lockout")

    from vasops.admission.models import Application

    assert Application.objects.filter(partner=partner).count() == 1
