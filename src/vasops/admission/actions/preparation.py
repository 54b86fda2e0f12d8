"""System preparation (第三章 一、4), access testing (附件4) and opening (附件5)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext, gettext_lazy

from vasops.admission import queries, rules
from vasops.admission.actions.common import (
    S,
    audit_application,
    locked,
    notify_partner,
    notify_staff,
    partner_actor,
    require_member,
)
from vasops.admission.errors import AdmissionError
from vasops.admission.events import AdmissionEvent
from vasops.admission.models import AccessTestResult, Application
from vasops.core import audit, clock, fsm, notify, permissions, vocabulary
from vasops.core.errors import CoreError, DomainError, required_text
from vasops.core.marks import gettext_noop
from vasops.core.models import Deadline
from vasops.core.rules import add_months
from vasops.partners import actions as partner_actions

ACCESS_DATA_REQUIRED = {
    "technical_contact": "技术联系人及电话",
    "server_addresses": "接入服务器地址（IP/端口）",
    "business_summary": "业务及产品信息",
}


def _postpone(app: Application, deadline: Deadline, *, actor: Any) -> Application:
    """Apply the missed-deadline consequence: access moves to next month's preparation."""
    now = clock.now()
    deadline.state = Deadline.State.MISSED
    deadline.closed_at = now
    deadline.save(update_fields=["state", "closed_at"])
    before = audit.snapshot(app, ["prep_month", "access_data_due_at"])
    base = app.prep_month or app.window_month
    new_month = rules.postponed_prep_month(base)
    today = clock.today()
    while rules.postponed_access_data_day(new_month) < today:
        new_month = add_months(new_month, 1)
    due = clock.end_of_day(rules.postponed_access_data_day(new_month))
    app.prep_month = new_month
    app.access_data_due_at = due
    app.save(update_fields=["prep_month", "access_data_due_at", "updated_at"])
    Deadline.objects.create(
        object_type=deadline.object_type,
        object_id=deadline.object_id,
        partner_id=app.partner_id,
        kind=deadline.kind,
        due_at=due,
    )
    reason = (
        f"未在 2 个工作日内提交接入资料，推迟到 {new_month:%Y年%m月} 安排接入（{rules.CLAUSE_ACCESS_DATA}）。"
    )
    audit_application(
        actor,
        AdmissionEvent.PREPARATION_POSTPONED,
        app,
        before,
        after=audit.snapshot(app, ["prep_month", "access_data_due_at"]),
        reason=reason,
    )
    body = notify.text(
        gettext_noop("%(reason)s新的接入资料截止时间：%(due)s 下班前。"),
        # the audit keeps the Chinese reason; the notification says it in the reader's words
        reason=notify.text(
            gettext_noop("未在 2 个工作日内提交接入资料，推迟到 %(month)s 安排接入（%(clause)s）。"),
            month=notify.formatted(new_month, gettext_noop("%Y年%m月")),
            clause=gettext_lazy(rules.CLAUSE_ACCESS_DATA),
        ),
        due=notify.formatted(clock.local_date(due), gettext_noop("%Y年%m月%d日")),
    )
    notify_partner(
        app, notify.text(gettext_noop("准入申请 %(app_number)s 推迟到下月接入"), app_number=app.number), body
    )
    notify_staff(
        app, notify.text(gettext_noop("准入申请 %(app_number)s 推迟到下月接入"), app_number=app.number), body
    )
    return app


def _postpone_if_missed(app: Application, *, actor: Any = "system") -> bool:
    """Idempotent: when the open access-data deadline has passed, postpone once. Returns
    whether it postponed (inside the caller's transaction)."""
    deadline = (
        Deadline.objects.select_for_update()
        .filter(
            object_type=audit.object_type_of(app),
            object_id=str(app.pk),
            kind=queries.DEADLINE_ACCESS_DATA,
            state=Deadline.State.OPEN,
        )
        .first()
    )
    if deadline is None or deadline.due_at >= clock.now() or app.state != S.ACCEPTED:
        return False
    _postpone(app, deadline, actor=actor)
    return True


@transaction.atomic(durable=True)
def handle_missed_access_data(app_id: int, *, actor: Any = "system") -> bool:
    """The sweep's act for one application whose access-data deadline has passed: an
    application no longer waiting for its data has the deadline cancelled; one still waiting is
    postponed to next month's preparation (once). Returns whether it postponed; idempotent."""
    app = Application.objects.select_for_update().filter(pk=app_id).first()
    if app is None:
        return False
    if app.state != S.ACCEPTED:
        Deadline.objects.filter(
            object_type=audit.object_type_of(app),
            object_id=str(app.pk),
            kind=queries.DEADLINE_ACCESS_DATA,
            state=Deadline.State.OPEN,
        ).update(state=Deadline.State.CANCELLED, closed_at=clock.now())
        return False
    return _postpone_if_missed(app, actor=actor)


@transaction.atomic(durable=True)
def submit_access_data(app: Application, *, actor: Any, data: dict[str, Any]) -> Application:
    """The partner submits its access data (basic data, capabilities, business and products)
    → system preparation. Late data are accepted for the postponed month."""
    require_member(actor, app)
    app = locked(app)
    missing = [label for key, label in ACCESS_DATA_REQUIRED.items() if not str(data.get(key, "")).strip()]
    if missing:
        raise DomainError(
            AdmissionError.ACCESS_DATA_INCOMPLETE,
            gettext("接入资料不完整，请填写：%(missing)s。") % {"missing": "、".join(missing)},
            field=next(k for k, v in ACCESS_DATA_REQUIRED.items() if v == missing[0]),
        )
    if app.state != S.ACCEPTED:
        fsm.transition(app, "start_preparation", label=gettext("提交接入资料"))
    postponed = _postpone_if_missed(app, actor=actor)
    before = audit.snapshot(app, ["state"])
    fsm.transition(app, "start_preparation", label=gettext("提交接入资料"))
    app.access_data = {k: str(v) for k, v in data.items()}
    app.access_data_submitted_at = clock.now()
    app.save()
    deadline = queries.open_deadline(app)
    if deadline is not None:
        deadline.state = Deadline.State.MET
        deadline.closed_at = clock.now()
        deadline.save(update_fields=["state", "closed_at"])
    audit_application(
        actor,
        AdmissionEvent.ACCESS_DATA_SUBMITTED,
        app,
        before,
        after={"state": app.state, "prep_month": app.prep_month, "access_data": app.access_data},
        reason=notify.text(gettext_noop("逾期提交，已推迟到下月")) if postponed else "",
    )
    notify_staff(
        app,
        notify.text(gettext_noop("准入申请 %(app_number)s 已提交接入资料"), app_number=app.number),
        notify.text(
            gettext_noop("系统准备月份：%(prep_month)s。"),
            prep_month=notify.formatted(app.prep_month, gettext_noop("%Y年%m月")),
        ),
    )
    return app


def _vas_systems() -> dict[str, str]:
    from vasops.workorders.models import VAS_SYSTEMS

    return {str(code): str(label) for code, label in VAS_SYSTEMS}


@transaction.atomic(durable=True)
def raise_data_change_orders(app: Application, *, actor: Any, systems: list[str]) -> list[Any]:
    """Staff raise one data-change work order (7-working-day SLA) per VAS system / IT picked."""
    permissions.require(actor, "admission.manage_preparation")
    app = locked(app)
    if app.state != S.PREPARING:
        raise DomainError(
            CoreError.INVALID_TRANSITION,
            gettext("当前状态“%(state)s”下不能发起数据修改工单（须已提交接入资料）。")
            % {"state": app.get_state_display()},
            status=409,
        )
    known = _vas_systems()
    wanted = list(dict.fromkeys(systems))
    if not wanted:
        raise DomainError(AdmissionError.UNKNOWN_SYSTEM, gettext("请至少选择一个系统。"), field="systems")
    unknown = [s for s in wanted if s not in known]
    if unknown:
        raise DomainError(
            AdmissionError.UNKNOWN_SYSTEM,
            gettext("未知的系统：%(unknown)s。") % {"unknown": "、".join(unknown)},
            field="systems",
        )
    from vasops.workorders import actions as wo_actions
    from vasops.workorders import queries as wo_queries

    existing = {
        wo.system
        for wo in wo_queries.for_object(app)
        if getattr(wo, "type", "data_change") == "data_change"
        and wo.state not in queries.DONE_WORK_ORDER_STATES
    }
    dup = [known[s] for s in wanted if s in existing]
    if dup:
        raise DomainError(
            AdmissionError.WORK_ORDER_EXISTS,
            gettext("以下系统已有未完成的数据修改工单：%(dup)s。") % {"dup": "、".join(dup)},
            field="systems",
        )
    orders = []
    for code in wanted:
        orders.append(
            wo_actions.open_work_order(
                actor=actor,
                type="data_change",
                title=f"{app.number} {app.partner} 数据制作：{known[code]}",
                description=(
                    f"企业代码 {app.enterprise_code}，业务接入号 {app.service_access_number}；"
                    f"请在 7 个工作日内完成数据制作并反馈（{rules.CLAUSE_DATA_CHANGE}）。"
                ),
                partner=app.partner,
                system=code,
                related=app,
            )
        )
    audit_application(
        actor,
        AdmissionEvent.DATA_CHANGE_ORDERS_RAISED,
        app,
        None,
        after={"systems": wanted, "work_orders": [getattr(o, "number", o.pk) for o in orders]},
    )
    return orders


@transaction.atomic(durable=True)
def start_access_testing(app: Application, *, actor: Any) -> Application:
    """After every data-change work order is done, access testing starts (attachment 4)."""
    permissions.require(actor, "admission.manage_preparation")
    app = locked(app)
    if app.state == S.PREPARING:
        orders = queries.work_orders_of(app)
        if not orders:
            raise DomainError(
                AdmissionError.WORK_ORDERS_PENDING,
                gettext("尚未发起数据修改工单，不能开始接入测试。"),
                clause=rules.CLAUSE_DATA_CHANGE,
            )
        pending = [o for o in orders if o.state not in queries.DONE_WORK_ORDER_STATES]
        if pending:
            names = "、".join(str(getattr(o, "number", o.pk)) for o in pending)
            raise DomainError(
                AdmissionError.WORK_ORDERS_PENDING,
                gettext("数据修改工单尚未全部完成：%(names)s。") % {"names": names},
                status=409,
                clause=rules.CLAUSE_DATA_CHANGE,
            )
    before = audit.snapshot(app, ["state"])
    fsm.transition(app, "start_testing", label=gettext("开始接入测试"))
    app.save()
    audit_application(actor, AdmissionEvent.TESTING_STARTED, app, before)
    notify_partner(
        app,
        notify.text(gettext_noop("准入申请 %(app_number)s 进入接入测试"), app_number=app.number),
        gettext_lazy("请配合湖北联通完成接入测试。"),
    )
    return app


@transaction.atomic(durable=True)
def record_test_result(
    app: Application, *, actor: Any, business_line: str, case_code: str, passed: bool, note: str = ""
) -> AccessTestResult:
    """Record one run of a test case; a retest adds a new row (the history is kept)."""
    permissions.require(actor, "admission.manage_preparation")
    app = locked(app)
    if app.state != S.TESTING:
        raise DomainError(
            CoreError.INVALID_TRANSITION,
            gettext("当前状态“%(state)s”下不能记录接入测试结果。") % {"state": app.get_state_display()},
            status=409,
        )
    cases = {(line, code) for line, code, _t in rules.access_cases_for(app.line_codes())}
    if (business_line, case_code) not in cases:
        raise DomainError(
            AdmissionError.UNKNOWN_TEST_CASE,
            gettext("测试用例 %(business_line)s:%(case_code)s 不属于本申请。")
            % {"business_line": business_line, "case_code": case_code},
            field="case",
        )
    line = next(x for x in app.business_lines.all() if x.code == business_line)
    if not passed:
        required_text(note, AdmissionError.REASON_REQUIRED, gettext("测试不通过时请说明问题。"), field="note")
    row = AccessTestResult.objects.create(
        application=app,
        business_line=line,
        case_code=case_code,
        passed=passed,
        note=note,
        tested_by=actor,
    )
    audit_application(
        actor,
        AdmissionEvent.TEST_RESULT_RECORDED,
        app,
        None,
        after={"case": f"{business_line}:{case_code}", "passed": passed},
        reason=note,
    )
    return row


@transaction.atomic(durable=True)
def open_access(app: Application, *, actor: Any, data: dict[str, Any]) -> Application:
    """开通 (attachment 5): every required test case's latest result passed and the opening data
    of 附件5 collected (``data``: the keys of ``rules.OPENING_FIELDS``) → opened; the partner
    becomes active (a partner opened for another business already is)."""
    permissions.require(actor, "admission.manage_preparation")
    app = locked(app)
    if app.state != S.TESTING:
        fsm.transition(app, "open", label=gettext("开通"))  # refuses with core.invalid_transition
    if app.state == S.TESTING:
        latest = {k: v.passed for k, v in queries.latest_test_results(app).items()}
        required = [(line, code) for line, code, _t in rules.access_cases_for(app.line_codes())]
        failing = rules.untested_or_failed(required, latest)
        if failing:
            # the cases by their titles (附件4), not their codes ``SMS:sms_bind``
            titles = [vocabulary.code_label(case) for case in failing]
            raise DomainError(
                AdmissionError.TESTS_NOT_PASSED,
                gettext("接入测试尚未全部通过：%(titles)s。") % {"titles": "、".join(titles)},
                status=409,
                clause=rules.CLAUSE_TESTING,
            )
    missing = rules.missing_opening_fields(data)
    if missing:
        raise DomainError(
            AdmissionError.OPENING_DATA_INCOMPLETE,
            gettext("开通资料不完整，请填写：%(missing)s。") % {"missing": "、".join(missing)},
            field=next(k for k, label in rules.OPENING_FIELDS if label == missing[0]),
            clause=rules.CLAUSE_OPENING_NOTICE,
        )
    before = audit.snapshot(app, ["state"])
    fsm.transition(app, "open", label=gettext("开通"))
    app.opened_at = clock.now()
    app.opening_data = {key: str(data.get(key) or "").strip() for key, _label in rules.OPENING_FIELDS}
    app.save()
    if app.partner.state != "active":  # a partner opened for another business already is active
        partner_actions.activate_partner(app.partner, actor=partner_actor(actor))
    audit_application(
        actor,
        AdmissionEvent.ACCESS_OPENED,
        app,
        before,
        after={"state": app.state, "opening_data": app.opening_data},
    )
    notice = "；".join(f"{label}：{app.opening_data[key]}" for key, label in rules.OPENING_FIELDS)
    notify_partner(
        app,
        notify.text(gettext_noop("准入申请 %(app_number)s 已开通"), app_number=app.number),
        notify.text(gettext_noop("业务已开通，请签订合作合同。\n开通资料：%(notice)s"), notice=notice),
    )
    return app
