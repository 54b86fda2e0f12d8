"""The partner portal shell: the "what needs me now" home page."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from vasops.admission import queries as admission_queries
from vasops.core import clock
from vasops.partners import queries as partner_queries
from vasops.workorders import queries as workorder_queries

NEXT_STEP = {
    "draft": "完善申请材料、能力声明和产品表单，通过资格自检后提交。",
    "returned": "按初审意见修改后在受理期内（1–10 日）重新提交。",
    "submitted": "等待产品创新部初审。",
    "initial_approved": "初审已通过：业务和技术人员将于本月 11–15 日参加接入考核。",
    "exam_passed": "考核已通过：等待评审会安排，须按时参加评审（未参加将 1 年内禁止申请）。",
    "review_scheduled": "请按通知的时间参加接入评审会，现场演示业务。",
    "reviewed": "评审已完成，等待准入决定。",
    "accepted": "准入已通过：请在 2 个工作日内提交接入资料，否则顺延至下月系统准备。",
    "preparing": "系统准备中：各增值业务系统正在配置数据。",
    "testing": "接入测试中：按测试用例配合完成测试。",
    "opened": "业务已开通，等待签订合同。",
    "contracted": "合同已签订。",
}


CLOSED_WITHOUT_ADMISSION = {
    "rejected",
    "deferred",
    "withdrawn",
    "initial_rejected",
    "exam_failed",
    "review_absent",
}


@login_required
def home(request: HttpRequest) -> HttpResponse:
    partner = partner_queries.partner_of(request.user)
    if partner is None:
        return redirect("home") if request.user.is_staff else render(request, "portal/no_partner.html")
    today = clock.today()
    apps = admission_queries.applications_for(request.user).order_by("-created_at")
    current = admission_queries.open_application_of(partner) or apps.first()
    problems = partner_queries.eligibility_problems(partner, today)
    checklist = partner_queries.qualification_checklist(partner, today)
    orders = workorder_queries.visible_to(request.user).exclude(state="closed")
    ctx: dict[str, Any] = {
        "title": "待办首页",
        "partner": partner,
        "today": today,
        "window": admission_queries.window_status(today),
        "current": current,
        "next_step": NEXT_STEP.get(current.state, "") if current else "",
        "deadline": admission_queries.open_deadline(current) if current else None,
        "problems": problems,
        "checklist": checklist,
        "orders": list(orders[:5]),
        "orders_count": orders.count(),
        "can_apply": current is None or current.state in CLOSED_WITHOUT_ADMISSION,
    }
    return render(request, "portal/home.html", ctx)
