"""The only code that changes admission state. Each action: permission, rules, rows, audit,
notifications (email on commit)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse

from vasops.admission import queries, rules
from vasops.admission.errors import AdmissionError as E
from vasops.admission.models import (
    AccessTestResult,
    AdmissionSettings,
    Application,
    ApplicationMaterial,
    ApplicationProduct,
    ApplicationState,
    Contract,
)
from vasops.catalog import actions as catalog_actions
from vasops.catalog import queries as catalog_queries
from vasops.catalog.errors import CatalogError
from vasops.catalog.models import BillingMode, BusinessLine, ResourcePool
from vasops.core import audit, calendar, clock, documents, fsm, notify, numbering, permissions
from vasops.core.errors import DomainError, PermissionDenied
from vasops.core.models import Deadline
from vasops.core.rules import add_months
from vasops.partners import actions as partner_actions
from vasops.partners.rules import Problem

S = ApplicationState
CAPABILITY_FIELDS = [
    "access_method",
    "certified_om_staff",
    "cs_hotline",
    "call_centre_seats",
    "call_centre_agents",
    "connect_rate_bp",
    "answered_20s_bp",
]
EDITABLE_FIELDS = ["business_lines", *CAPABILITY_FIELDS]
RESTRICTION_CODES = frozenset(
    {
        "partner.blacklisted",
        "partner.locked_out",
        "partner.banned",
        "partner.violation_excluded",
        "partner.major_violation",
        "partner.credit_fail",
        "partner.restricted",
    }
)
ACCESS_DATA_REQUIRED = {
    "technical_contact": "技术联系人及电话",
    "server_addresses": "接入服务器地址（IP/端口）",
    "business_summary": "业务及产品信息",
}


# --- helpers -------------------------------------------------------------------------------------


def _problems_error(code: str, problems: list[Problem], intro: str) -> DomainError:
    lines = "；".join(f"{p.message}（{p.code}）" for p in problems)
    return DomainError(
        code,
        f"{intro}{lines}",
        problems=[{"code": p.code, "message": p.message, "clause": p.clause} for p in problems],
    )


def _require_member(actor: Any, app: Application | None = None) -> Any:
    """The actor's partner (and, with ``app``, that it owns the application) or refuse."""
    partner = queries.partner_of(actor)
    if partner is None:
        raise PermissionDenied("只有合作伙伴用户可以办理准入申请。")
    if app is not None and app.partner_id != partner.pk:
        raise PermissionDenied("您只能办理本企业的准入申请。")
    return partner


def _partner_actor(actor: Any) -> Any:
    """The person for the partner registry's audit when they hold its permission; otherwise the
    change is a system consequence of this admission action (already permission-checked)."""
    return actor if permissions.has(actor, "partners.manage_partner") else None


def _reason(reason: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise DomainError(E.REASON_REQUIRED, "请填写理由。", field="reason")
    return text


def _url(app: Application) -> str:
    return reverse("admission:application_detail", args=[app.pk])


def _notify_partner(app: Application, subject: str, body: str = "") -> None:
    notify.send(queries.partner_users(app.partner), subject=subject, body=body, url=_url(app))


def _notify_staff(app: Application, subject: str, body: str = "") -> None:
    notify.send(queries.staff_to_notify(), subject=subject, body=body, url=_url(app))


def _record(actor: Any, action: str, app: Application, before: dict[str, Any] | None, **kw: Any) -> None:
    audit.record(
        actor=actor,
        action=action,
        obj=app,
        partner_id=app.partner_id,
        before=before,
        after=kw.pop("after", None) or audit.snapshot(app, ["state"]),
        reason=kw.pop("reason", ""),
    )


def _lock(app: Application) -> Application:
    return Application.objects.select_for_update().get(pk=app.pk)


def _editable(app: Application) -> None:
    if app.state not in (S.DRAFT, S.RETURNED):
        raise DomainError(
            E.NOT_EDITABLE,
            f"申请当前状态为“{app.get_state_display()}”，只有草稿或退回修改的申请可以修改。",
            status=409,
        )


def _resolve_lines(codes: list[str]) -> list[BusinessLine]:
    """The catalogue's active business lines named by ``codes`` (order kept, duplicates dropped)."""
    wanted = list(dict.fromkeys(str(c) for c in codes))
    found = {line.code: line for line in catalog_queries.active_business_lines().filter(code__in=wanted)}
    unknown = [c for c in wanted if c not in found]
    if unknown:
        raise DomainError(
            E.INVALID_BUSINESS_LINE, f"未知或已停用的业务类别：{'、'.join(unknown)}。", field="business_lines"
        )
    return [found[c] for c in wanted]


def _check_resources(lines: list[BusinessLine]) -> None:
    """第二章 二、4: a business whose 通道配额 / E1 resources are full is not admitted."""
    full = catalog_queries.full_line_resources(lines)
    if full:
        raise DomainError(
            CatalogError.RESOURCE_POOL_FULL,
            "".join(full),
            status=409,
            clause=rules.CLAUSE_RESOURCE,
            field="business_lines",
        )


def _snapshot(app: Application, fields: list[str]) -> dict[str, Any]:
    """audit.snapshot with the applied business lines as their codes."""
    plain = [f for f in fields if f != "business_lines"]
    snap = audit.snapshot(app, plain)
    if "business_lines" in fields:
        snap["business_lines"] = app.line_codes()
    return snap


def _set_fields(app: Application, values: dict[str, Any]) -> list[BusinessLine] | None:
    """Set the capability fields; returns the resolved business lines when ``values`` names them
    (set them with ``app.business_lines.set`` once the row is saved)."""
    lines = None
    for name, value in values.items():
        if name not in EDITABLE_FIELDS:
            raise DomainError(E.NOT_EDITABLE, f"字段 {name} 不可修改。", field=name)
        if name == "business_lines":
            lines = _resolve_lines(list(value or []))
            continue
        if name in ("connect_rate_bp", "answered_20s_bp") and not 0 <= int(value) <= 10000:
            raise DomainError(E.NOT_EDITABLE, "比例须在 0–10000 基点之间。", field=name)
        setattr(app, name, value)
    return lines


def _line_keys(lines: list[BusinessLine]) -> list[str]:
    """What a partner restriction may name a business line by: its code or its name."""
    return [key for line in lines for key in (line.code, line.name)]


# --- application ---------------------------------------------------------------------------------


@transaction.atomic
def create_application(
    *, actor: Any, business_lines: list[str] | None = None, **capability: Any
) -> Application:
    """A partner user opens an application in the current window (days 1–10 of an acceptance
    month). Refuses outside the window (naming the next opening), when the partner already has
    an open application, or while a restriction (blacklist, lockout, ban …) is in force."""
    partner = _require_member(actor)
    today = clock.today()
    problem = rules.window_problem(today, queries.acceptance_months())
    if problem is not None:
        raise DomainError(problem.code, problem.message, clause=problem.clause, status=409)
    other = queries.open_application_of(partner)
    if other is not None:
        raise DomainError(
            E.OPEN_APPLICATION_EXISTS,
            f"已有未结束的准入申请 {other.number}，请继续办理该申请。",
            status=409,
            clause=rules.CLAUSE_WINDOW,
        )
    from vasops.partners import queries as partner_queries

    lines = _resolve_lines(list(business_lines or []))
    restrictions = [
        p
        for p in partner_queries.eligibility_problems(
            partner, today, business_lines=_line_keys(lines) if business_lines else None
        )
        if p.code in RESTRICTION_CODES
    ]
    if restrictions:
        first = restrictions[0]
        raise DomainError(
            first.code,
            "；".join(p.message for p in restrictions),
            clause=first.clause or None,
            status=409,
        )
    _check_resources(lines)
    window = rules.month_start(today)
    app = Application(
        number=numbering.next_number(f"ZR{window:%Y%m}-"),
        partner=partner,
        window_month=window,
        created_by=actor,
        cs_hotline=getattr(partner, "cs_hotline", "") or "",
    )
    _set_fields(app, capability)
    app.save()
    app.business_lines.set(lines)
    _record(
        actor,
        "admission.application_created",
        app,
        None,
        after=_snapshot(app, ["state", *EDITABLE_FIELDS]),
    )
    return app


@transaction.atomic
def update_application(app: Application, *, actor: Any, **values: Any) -> Application:
    """Edit the business lines and capability declarations of a draft or returned application."""
    _require_member(actor, app)
    app = _lock(app)
    _editable(app)
    before = _snapshot(app, EDITABLE_FIELDS)
    lines = _set_fields(app, values)
    if lines is not None:
        _check_resources([line for line in lines if line.code not in before["business_lines"]])
    app.save()
    if lines is not None:
        app.business_lines.set(lines)
    _record(actor, "admission.application_updated", app, before, after=_snapshot(app, EDITABLE_FIELDS))
    return app


@transaction.atomic
def upload_material(app: Application, *, actor: Any, kind: str, upload: UploadedFile) -> ApplicationMaterial:
    """Store an attachment-1 document; a new upload of the same kind replaces the current one."""
    _require_member(actor, app)
    app = _lock(app)
    _editable(app)
    if kind not in rules.MATERIAL_LABELS:
        raise DomainError(E.INVALID_MATERIAL, f"未知的资料类型：{kind}。", field="kind")
    doc = documents.store(
        upload, actor=actor, partner_id=app.partner_id, kind=f"admission.{kind}", field="file"
    )
    app.materials.filter(kind=kind, is_current=True).update(is_current=False)
    material = ApplicationMaterial.objects.create(application=app, kind=kind, document=doc)
    _record(
        actor,
        "admission.material_uploaded",
        app,
        None,
        after={"kind": kind, "document": str(doc.uuid), "name": doc.original_name},
    )
    return material


@transaction.atomic
def add_product(
    app: Application,
    *,
    actor: Any,
    business_line: str,
    name: str,
    description: str = "",
    fee_fen: int = 0,
    billing_mode: str = BillingMode.MONTHLY,
) -> ApplicationProduct:
    """Add an attachment-2 product form for one of the application's business lines (a
    catalogue business-line code)."""
    _require_member(actor, app)
    app = _lock(app)
    _editable(app)
    line = next((x for x in app.business_lines.all() if x.code == business_line), None)
    if line is None:
        raise DomainError(
            E.INVALID_BUSINESS_LINE, "产品的业务类别须是本申请所选的业务类别之一。", field="business_line"
        )
    if billing_mode not in BillingMode.values:
        raise DomainError(E.INVALID_BUSINESS_LINE, "未知的计费方式。", field="billing_mode")
    if not name.strip():
        raise DomainError(E.INVALID_BUSINESS_LINE, "请填写产品名称。", field="name")
    if fee_fen < 0:
        raise DomainError(E.INVALID_BUSINESS_LINE, "资费不能为负数。", field="fee_fen")
    product = ApplicationProduct.objects.create(
        application=app,
        business_line=line,
        name=name.strip(),
        description=description,
        fee_fen=fee_fen,
        billing_mode=billing_mode,
    )
    _record(
        actor,
        "admission.product_added",
        app,
        None,
        after={
            "product": product.pk,
            "name": product.name,
            "business_line": business_line,
            "fee_fen": fee_fen,
        },
    )
    return product


@transaction.atomic
def remove_product(product: ApplicationProduct, *, actor: Any) -> None:
    app = product.application
    _require_member(actor, app)
    _editable(_lock(app))
    before = {"product": product.pk, "name": product.name, "business_line": product.business_line.code}
    product.delete()
    _record(actor, "admission.product_removed", app, before)


@transaction.atomic
def submit_application(app: Application, *, actor: Any) -> Application:
    """Submit (or resubmit after return) for initial review. Refuses with EVERY failing rule."""
    _require_member(actor, app)
    app = _lock(app)
    if app.state not in (S.DRAFT, S.RETURNED):
        fsm.transition(app, "submit", label="提交申请")
    problems = queries.eligibility_problems(app, clock.today())
    if problems:
        raise _problems_error(E.NOT_ELIGIBLE, problems, "申请不符合受理条件：")
    before = audit.snapshot(app, ["state"])
    fsm.transition(app, "submit", label="提交申请")
    app.submitted_at = clock.now()
    app.save()
    _record(actor, "admission.application_submitted", app, before)
    _notify_staff(app, f"准入申请 {app.number} 已提交待初审", f"{app.partner} 提交了准入申请。")
    return app


@transaction.atomic
def withdraw_application(app: Application, *, actor: Any, reason: str = "") -> Application:
    _require_member(actor, app)
    app = _lock(app)
    before = audit.snapshot(app, ["state"])
    fsm.transition(app, "withdraw", label="撤回申请")
    app.save()
    _record(actor, "admission.application_withdrawn", app, before, reason=reason)
    return app


REVIEW_DECISIONS = {
    "approve": ("approve_initial", "初审通过", "admission.initial_approved"),
    "return": ("return_for_correction", "退回修改", "admission.initial_returned"),
    "reject": ("reject_initial", "初审不通过", "admission.initial_rejected"),
}


@transaction.atomic
def review_application(app: Application, *, actor: Any, decision: str, reason: str) -> Application:
    """初审: approve, return for correction (resubmit within days 1–10) or reject — with a reason;
    the partner is told in the portal and by email."""
    permissions.require(actor, "admission.review_application")
    if decision not in REVIEW_DECISIONS:
        raise DomainError(E.INVALID_DECISION, "初审结论须为通过、退回修改或不通过。", field="decision")
    text = _reason(reason)
    app = _lock(app)
    method, label, action = REVIEW_DECISIONS[decision]
    before = audit.snapshot(app, ["state"])
    fsm.transition(app, method, label=label)
    app.review_reason = text
    app.save()
    _record(actor, action, app, before, reason=text)
    extra = ""
    if decision == "return":
        extra = f"请在 {rules.window_closes(app.window_month):%Y年%m月%d日} 前修改后重新提交。"
    _notify_partner(app, f"准入申请 {app.number} 初审结果：{label}", f"{text}\n{extra}".strip())
    return app


# --- decision and resources ------------------------------------------------------------------------


def _catalog_actor(actor: Any) -> Any:
    """The person for the catalogue's audit when they may manage resources; otherwise the
    allocation is a system consequence of this (already permission-checked) decision."""
    return actor if permissions.has(actor, catalog_actions.MANAGE_RESOURCES) else None


DECISIONS = {
    "accept": ("accept", "准入通过", "admission.accepted"),
    "defer": ("defer", "暂缓接入", "admission.deferred"),
    "reject": ("reject", "驳回", "admission.rejected"),
}


@transaction.atomic
def decide_application(app: Application, *, actor: Any, decision: str, reason: str) -> Application:
    """Decision after expert review. accept: allocate 企业代码 + 业务接入号, record the admission on
    the partner, open the 2-working-day access-data deadline; defer: may apply in a later window;
    reject: 3-month lockout."""
    permissions.require(actor, "admission.decide_application")
    if decision not in DECISIONS:
        raise DomainError(E.INVALID_DECISION, "准入决定须为接受、暂缓或拒绝。", field="decision")
    text = _reason(reason)
    app = _lock(app)
    method, label, action = DECISIONS[decision]
    before = audit.snapshot(app, ["state", "enterprise_code", "service_access_number"])
    fsm.transition(app, method, label=label)
    today = clock.today()
    app.decision_reason = text
    app.decided_at = clock.now()
    app.decided_by = actor
    body = text
    if decision == "accept":
        why = f"准入申请 {app.number} 准入通过"
        code = catalog_actions.allocate_resource(
            actor=_catalog_actor(actor),
            partner=app.partner,
            kind=ResourcePool.Kind.ENTERPRISE_CODE,
            reason=why,
        )
        number = catalog_actions.allocate_resource(
            actor=_catalog_actor(actor),
            partner=app.partner,
            kind=ResourcePool.Kind.SERVICE_ACCESS_NUMBER,
            reason=why,
        )
        app.enterprise_code = code.number
        app.service_access_number = number.number
        app.prep_month = max(app.window_month, rules.month_start(today))
        due = calendar.deadline_after(today, rules.ACCESS_DATA_WORKING_DAYS)
        app.access_data_due_at = due
        Deadline.objects.create(
            object_type=audit.object_type_of(app),
            object_id=str(app.pk),
            partner_id=app.partner_id,
            kind=queries.DEADLINE_ACCESS_DATA,
            due_at=due,
        )
        partner_actions.record_admission(
            app.partner,
            actor=_partner_actor(actor),
            enterprise_code=code.number,
            service_access_number=number.number,
        )
        body = (
            f"{text}\n企业代码：{code.number}，业务接入号：{number.number}。"
            f"请在 {clock.local_date(due):%Y年%m月%d日} 下班前提交接入资料（2 个工作日内），"
            f"逾期推迟到下月安排接入（{rules.CLAUSE_ACCESS_DATA}）。"
        )
    elif decision == "reject":
        partner_actions.impose_restriction(
            app.partner,
            kind="lockout",
            reason=f"准入申请 {app.number} 被驳回：{text}",
            source=f"admission:{app.number}",
            starts_on=today,
            actor=_partner_actor(actor),
        )
        body = f"{text}\n自 {today:%Y年%m月%d日} 起 3 个月内不得再次申请接入。"
    else:
        body = f"{text}\n本次暂缓接入，可参加以后受理期的接入申请。"
    app.save()
    _record(
        actor,
        action,
        app,
        before,
        after=audit.snapshot(app, ["state", "enterprise_code", "service_access_number"]),
        reason=text,
    )
    _notify_partner(app, f"准入申请 {app.number} 评审结果：{label}", body)
    return app


# --- system preparation ------------------------------------------------------------------------------


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
    _record(
        actor,
        "admission.preparation_postponed",
        app,
        before,
        after=audit.snapshot(app, ["prep_month", "access_data_due_at"]),
        reason=reason,
    )
    body = f"{reason}新的接入资料截止时间：{clock.local_date(due):%Y年%m月%d日} 下班前。"
    _notify_partner(app, f"准入申请 {app.number} 推迟到下月接入", body)
    _notify_staff(app, f"准入申请 {app.number} 推迟到下月接入", body)
    return app


def postpone_if_missed(app: Application, *, actor: Any = "system") -> bool:
    """Idempotent: when the open access-data deadline has passed, postpone once. Returns
    whether it postponed."""
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


@transaction.atomic
def submit_access_data(app: Application, *, actor: Any, data: dict[str, Any]) -> Application:
    """The partner submits its access data (basic data, capabilities, business and products)
    → system preparation. Late data are accepted for the postponed month."""
    _require_member(actor, app)
    app = _lock(app)
    missing = [label for key, label in ACCESS_DATA_REQUIRED.items() if not str(data.get(key, "")).strip()]
    if missing:
        raise DomainError(
            E.ACCESS_DATA_INCOMPLETE,
            f"接入资料不完整，请填写：{'、'.join(missing)}。",
            field=next(k for k, v in ACCESS_DATA_REQUIRED.items() if v == missing[0]),
        )
    if app.state != S.ACCEPTED:
        fsm.transition(app, "start_preparation", label="提交接入资料")
    postponed = postpone_if_missed(app, actor=actor)
    before = audit.snapshot(app, ["state"])
    fsm.transition(app, "start_preparation", label="提交接入资料")
    app.access_data = {k: str(v) for k, v in data.items()}
    app.access_data_submitted_at = clock.now()
    app.save()
    deadline = queries.open_deadline(app)
    if deadline is not None:
        deadline.state = Deadline.State.MET
        deadline.closed_at = clock.now()
        deadline.save(update_fields=["state", "closed_at"])
    _record(
        actor,
        "admission.access_data_submitted",
        app,
        before,
        after={"state": app.state, "prep_month": app.prep_month, "access_data": app.access_data},
        reason="逾期提交，已推迟到下月" if postponed else "",
    )
    _notify_staff(app, f"准入申请 {app.number} 已提交接入资料", f"系统准备月份：{app.prep_month:%Y年%m月}。")
    return app


def _vas_systems() -> dict[str, str]:
    from vasops.workorders.models import VAS_SYSTEMS

    return {str(code): str(label) for code, label in VAS_SYSTEMS}


@transaction.atomic
def raise_data_change_orders(app: Application, *, actor: Any, systems: list[str]) -> list[Any]:
    """Staff raise one data-change work order (7-working-day SLA) per VAS system / IT picked."""
    permissions.require(actor, "admission.manage_preparation")
    app = _lock(app)
    if app.state != S.PREPARING:
        raise DomainError(
            "core.invalid_transition",
            f"当前状态“{app.get_state_display()}”下不能发起数据修改工单（须已提交接入资料）。",
            status=409,
        )
    known = _vas_systems()
    wanted = list(dict.fromkeys(systems))
    if not wanted:
        raise DomainError(E.UNKNOWN_SYSTEM, "请至少选择一个系统。", field="systems")
    unknown = [s for s in wanted if s not in known]
    if unknown:
        raise DomainError(E.UNKNOWN_SYSTEM, f"未知的系统：{'、'.join(unknown)}。", field="systems")
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
            E.WORK_ORDER_EXISTS, f"以下系统已有未完成的数据修改工单：{'、'.join(dup)}。", field="systems"
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
    _record(
        actor,
        "admission.data_change_raised",
        app,
        None,
        after={"systems": wanted, "work_orders": [getattr(o, "number", o.pk) for o in orders]},
    )
    return orders


@transaction.atomic
def start_access_testing(app: Application, *, actor: Any) -> Application:
    """After every data-change work order is done, access testing starts (attachment 4)."""
    permissions.require(actor, "admission.manage_preparation")
    app = _lock(app)
    if app.state == S.PREPARING:
        orders = queries.work_orders_of(app)
        if not orders:
            raise DomainError(
                E.WORK_ORDERS_PENDING,
                "尚未发起数据修改工单，不能开始接入测试。",
                clause=rules.CLAUSE_DATA_CHANGE,
            )
        pending = [o for o in orders if o.state not in queries.DONE_WORK_ORDER_STATES]
        if pending:
            names = "、".join(str(getattr(o, "number", o.pk)) for o in pending)
            raise DomainError(
                E.WORK_ORDERS_PENDING,
                f"数据修改工单尚未全部完成：{names}。",
                status=409,
                clause=rules.CLAUSE_DATA_CHANGE,
            )
    before = audit.snapshot(app, ["state"])
    fsm.transition(app, "start_testing", label="开始接入测试")
    app.save()
    _record(actor, "admission.testing_started", app, before)
    _notify_partner(app, f"准入申请 {app.number} 进入接入测试", "请配合湖北联通完成接入测试。")
    return app


@transaction.atomic
def record_test_result(
    app: Application, *, actor: Any, business_line: str, case_code: str, passed: bool, note: str = ""
) -> AccessTestResult:
    """Record one run of a test case; a retest adds a new row (the history is kept)."""
    permissions.require(actor, "admission.manage_preparation")
    app = _lock(app)
    if app.state != S.TESTING:
        raise DomainError(
            "core.invalid_transition",
            f"当前状态“{app.get_state_display()}”下不能记录接入测试结果。",
            status=409,
        )
    cases = {(line, code) for line, code, _t in rules.access_cases_for(app.line_codes())}
    if (business_line, case_code) not in cases:
        raise DomainError(
            E.UNKNOWN_TEST_CASE, f"测试用例 {business_line}:{case_code} 不属于本申请。", field="case"
        )
    line = next(x for x in app.business_lines.all() if x.code == business_line)
    if not passed and not note.strip():
        raise DomainError(E.REASON_REQUIRED, "测试不通过时请说明问题。", field="note")
    row = AccessTestResult.objects.create(
        application=app,
        business_line=line,
        case_code=case_code,
        passed=passed,
        note=note,
        tested_by=actor,
    )
    _record(
        actor,
        "admission.test_result_recorded",
        app,
        None,
        after={"case": f"{business_line}:{case_code}", "passed": passed},
        reason=note,
    )
    return row


@transaction.atomic
def open_access(app: Application, *, actor: Any) -> Application:
    """开通 (attachment 5): every required test case's latest result passed → opened; the partner
    becomes active."""
    permissions.require(actor, "admission.manage_preparation")
    app = _lock(app)
    if app.state == S.TESTING:
        latest = {k: v.passed for k, v in queries.latest_test_results(app).items()}
        required = [(line, code) for line, code, _t in rules.access_cases_for(app.line_codes())]
        failing = rules.untested_or_failed(required, latest)
        if failing:
            raise DomainError(
                E.TESTS_NOT_PASSED,
                f"接入测试尚未全部通过：{'、'.join(failing)}。",
                status=409,
                clause=rules.CLAUSE_TESTING,
            )
    before = audit.snapshot(app, ["state"])
    fsm.transition(app, "open", label="开通")
    app.opened_at = clock.now()
    app.save()
    partner_actions.activate_partner(app.partner, actor=_partner_actor(actor))
    _record(actor, "admission.opened", app, before)
    _notify_partner(app, f"准入申请 {app.number} 已开通", "业务已开通，请签订合作合同。")
    return app


@transaction.atomic
def sign_contract(
    app: Application,
    *,
    actor: Any,
    term_start: dt.date,
    term_end: dt.date,
    settlement_ratio_bp: int,
    signed_copy: UploadedFile,
) -> Contract:
    """Contract (attachment 8): term, settlement ratio in basis points, signed copy → contracted."""
    permissions.require(actor, "admission.manage_contract")
    app = _lock(app)
    problems = rules.contract_problems(term_start, term_end, settlement_ratio_bp)
    if problems:
        field = "term_end" if problems[0].code == "admission.contract_term" else "settlement_ratio_bp"
        raise DomainError(
            E.CONTRACT_INVALID,
            "；".join(p.message for p in problems),
            field=field,
            clause=rules.CLAUSE_CONTRACT,
        )
    before = audit.snapshot(app, ["state"])
    fsm.transition(app, "sign_contract", label="签订合同")
    doc = documents.store(
        signed_copy, actor=actor, partner_id=app.partner_id, kind="admission.contract", field="signed_copy"
    )
    contract = Contract.objects.create(
        application=app,
        term_start=term_start,
        term_end=term_end,
        settlement_ratio_bp=settlement_ratio_bp,
        signed_copy=doc,
        signed_by=actor,
    )
    app.save()
    _record(
        actor,
        "admission.contract_signed",
        app,
        before,
        after={
            "state": app.state,
            "term_start": term_start,
            "term_end": term_end,
            "settlement_ratio_bp": settlement_ratio_bp,
        },
    )
    _notify_partner(app, f"准入申请 {app.number} 合同已签订", f"合同期 {term_start} 至 {term_end}。")
    return contract


# --- settings -----------------------------------------------------------------------


@transaction.atomic
def update_settings(*, actor: Any, acceptance_months: str, reason: str = "") -> AdmissionSettings:
    permissions.require(actor, "admission.manage_admission_settings")
    try:
        months = rules.parse_months(acceptance_months)
    except ValueError as exc:
        raise DomainError(E.INVALID_SETTINGS, str(exc), field="acceptance_months") from exc
    obj = AdmissionSettings.objects.select_for_update().get(pk=AdmissionSettings.current().pk)
    before = audit.snapshot(obj, ["acceptance_months"])
    obj.acceptance_months = ",".join(str(m) for m in months)
    obj.save()
    audit.record(
        actor=actor,
        action="admission.settings_updated",
        obj=obj,
        before=before,
        after=audit.snapshot(obj, ["acceptance_months"]),
        reason=reason,
    )
    return obj
