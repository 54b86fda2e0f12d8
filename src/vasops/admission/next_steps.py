"""The next step on an application's page: for each state, what comes next, who does it (the
permission it needs), by when (the acceptance window's calendar of 第三章 一), and the page that
does it. Staff see the steps their role may take as buttons; everyone sees what the application
waits for."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from vasops.admission import rules
from vasops.admission.models import Application
from vasops.core import roles

S = Application.State


@dataclass(frozen=True)
class Step:
    label: Any  # what is done (a lazy translation)
    who: Any  # the roles that do it, in words
    perm: str | None  # the permission it needs; None: the partner's step
    url: str | None  # the page that does it
    due: dt.date | dt.datetime | None  # by when
    post: bool = False  # the page is a button that acts at once (POST), not a form to fill in
    allowed: bool = False  # may the viewing user take it (filled in by ``steps_for``)


def _day(month: dt.date | None, day: int) -> dt.date | None:
    return month.replace(day=day) if month else None


def _open_sitting(app: Application) -> Any:
    sittings = getattr(app, "exam_sittings", None)
    return sittings.filter(state="exam_scheduled").order_by("-date").first() if sittings is not None else None


def _open_meeting(app: Application) -> Any:
    meetings = getattr(app, "review_meetings", None)
    return (
        meetings.filter(state="meeting_scheduled").order_by("-date").first() if meetings is not None else None
    )


def _candidates(app: Application) -> list[Step]:
    w = app.window_month
    exam_first, exam_last = rules.EXAM_DAYS
    review_last = rules.PREPARATION_DAYS[0] - 1  # review days 16–20
    pk = app.pk
    staff = None  # filled in from the roles holding the step's permission
    state = app.state
    if state == S.SUBMITTED:
        return [
            Step(
                _("初审"),
                staff,
                "admission.review_application",
                reverse("admission:application_review", args=[pk]),
                _day(w, exam_first - 1),
            )
        ]
    if state == S.INITIAL_APPROVED:
        sitting = _open_sitting(app)
        if sitting is not None:
            return [
                Step(
                    _("公布考核成绩"),
                    staff,
                    "admission.manage_exam",
                    reverse("admission:exam_sitting_detail", args=[sitting.pk]),
                    _day(w, exam_last),
                )
            ]
        return [
            Step(
                _("安排考核"),
                staff,
                "admission.manage_exam",
                reverse("admission:exam_sitting_create") + f"?application={pk}",
                _day(w, exam_last),
            )
        ]
    if state == S.EXAM_PASSED:
        return [
            Step(
                _("安排评审会"),
                staff,
                "admission.manage_review",
                reverse("admission:review_meeting_create") + f"?application={pk}",
                _day(w, review_last),
            )
        ]
    if state == S.REVIEW_SCHEDULED:
        meeting = _open_meeting(app)
        return [
            Step(
                _("记录评审结果"),
                staff,
                "admission.manage_review",
                reverse("admission:review_meeting_detail", args=[meeting.pk]) if meeting else None,
                _day(w, review_last),
            )
        ]
    if state == S.REVIEWED:
        return [
            Step(
                _("准入决定"),
                staff,
                "admission.decide_application",
                reverse("admission:application_decide", args=[pk]),
                _day(w, review_last),
            )
        ]
    if state == S.ACCEPTED:
        return [
            Step(
                _("提交接入资料"),
                _("合作伙伴"),
                None,
                reverse("admission:application_access_data", args=[pk]),
                app.access_data_due_at,
            )
        ]
    prep_end = rules.preparation_days(app.prep_month)[1] if app.prep_month else None
    if state == S.PREPARING:
        return [
            Step(
                _("发起数据修改工单"),
                staff,
                "admission.manage_preparation",
                reverse("admission:application_work_orders", args=[pk]),
                prep_end,
            ),
            Step(
                _("开始接入测试"),
                staff,
                "admission.manage_preparation",
                reverse("admission:application_start_testing", args=[pk]),
                prep_end,
                post=True,
            ),
        ]
    if state == S.TESTING:
        return [
            Step(
                _("记录测试结果"),
                staff,
                "admission.manage_preparation",
                reverse("admission:application_tests", args=[pk]),
                prep_end,
            ),
            Step(
                _("开通"),
                staff,
                "admission.manage_preparation",
                reverse("admission:application_open", args=[pk]),
                prep_end,
                post=True,
            ),
        ]
    if state == S.OPENED:
        return [
            Step(
                _("签订合同"),
                staff,
                "admission.manage_contract",
                reverse("admission:application_contract", args=[pk]),
                None,
            )
        ]
    return []


def roles_holding(perm: str) -> str:
    """The roles whose permission lists hold ``perm``, in words (产品创新部、部门负责人)."""
    from vasops.admission.permissions import ROLE_PERMISSIONS

    return "、".join(str(roles.ROLE_LABELS[r]) for r, perms in ROLE_PERMISSIONS.items() if perm in perms)


def steps_for(user: Any, app: Application, *, partner_side: bool) -> list[Step]:
    """The next steps of ``app``, each saying whether ``user`` may take it."""
    out = []
    for step in _candidates(app):
        if step.perm is None:  # the partner's own step
            allowed, who = partner_side, step.who
        else:
            allowed, who = not partner_side and bool(user.has_perm(step.perm)), roles_holding(step.perm)
        out.append(Step(step.label, who, step.perm, step.url, step.due, step.post, allowed))
    return out
