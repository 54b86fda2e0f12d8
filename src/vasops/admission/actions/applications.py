"""An application from draft to initial review (seed 第三章 一、1–2): windows, restrictions,
business lines and their resources, capability, materials, product forms, submission, 初审."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext, gettext_lazy

from vasops.admission import queries, rules
from vasops.admission.actions.common import (
    EDITABLE_FIELDS,
    S,
    application_snapshot,
    audit_application,
    locked,
    notify_partner,
    notify_staff,
    problems_error,
    require_member,
)
from vasops.admission.errors import AdmissionError
from vasops.admission.events import AdmissionEvent
from vasops.admission.models import Application, ApplicationMaterial, ApplicationProduct
from vasops.catalog import queries as catalog_queries
from vasops.catalog.errors import CatalogError
from vasops.catalog.models import BillingMode, BusinessLine
from vasops.core import audit, clock, documents, fsm, notify, numbering, permissions
from vasops.core.errors import DomainError, required_text, with_clause
from vasops.core.marks import gettext_noop
from vasops.partners import rules as partner_rules


def _editable(app: Application) -> None:
    if app.state not in (S.DRAFT, S.RETURNED):
        raise DomainError(
            AdmissionError.NOT_EDITABLE,
            gettext("申请当前状态为“%(state)s”，只有草稿或退回修改的申请可以修改。")
            % {"state": app.get_state_display()},
            status=409,
        )


def _resolve_lines(codes: list[str]) -> list[BusinessLine]:
    """The catalogue's active business lines named by ``codes`` (order kept, duplicates dropped)."""
    wanted = list(dict.fromkeys(str(c) for c in codes))
    found = {line.code: line for line in catalog_queries.active_business_lines().filter(code__in=wanted)}
    unknown = [c for c in wanted if c not in found]
    if unknown:
        raise DomainError(
            AdmissionError.INVALID_BUSINESS_LINE,
            gettext("未知或已停用的业务类别：%(unknown)s。") % {"unknown": "、".join(unknown)},
            field="business_lines",
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


def _set_fields(app: Application, values: dict[str, Any]) -> list[BusinessLine] | None:
    """Set the capability fields; returns the resolved business lines when ``values`` names them
    (set them with ``app.business_lines.set`` once the row is saved)."""
    lines = None
    for name, value in values.items():
        if name not in EDITABLE_FIELDS:
            raise DomainError(
                AdmissionError.NOT_EDITABLE, gettext("字段 %(name)s 不可修改。") % {"name": name}, field=name
            )
        if name == "business_lines":
            lines = _resolve_lines(list(value or []))
            continue
        if name in ("connect_rate_bp", "answered_20s_bp") and not 0 <= int(value) <= 10000:
            raise DomainError(AdmissionError.NOT_EDITABLE, gettext("比例须在 0–10000 基点之间。"), field=name)
        setattr(app, name, value)
    return lines


def _check_not_admitted(partner: Any, lines: list[BusinessLine], *, exclude_pk: int | None = None) -> None:
    """Admission is per business: a line the partner already holds is not applied for again."""
    problems = rules.admitted_line_problems(
        [line.code for line in lines],
        queries.admitted_lines(partner, exclude_pk=exclude_pk),
        {line.code: line.label for line in lines},
    )
    if problems:
        raise DomainError(
            problems[0].code,
            "".join(p.message for p in problems),
            status=409,
            clause=rules.CLAUSE_PER_BUSINESS,
            field="business_lines",
        )


def _line_keys(lines: list[BusinessLine]) -> list[str]:
    """What a partner restriction may name a business line by: its code or its name."""
    return [key for line in lines for key in (line.code, line.name)]


@transaction.atomic(durable=True)
def create_application(
    *, actor: Any, business_lines: list[str] | None = None, **capability: Any
) -> Application:
    """A partner user opens an application in the current window (days 1–10 of an acceptance
    month). Refuses outside the window (naming the next opening), when the partner already has
    an open application, or while a restriction (blacklist, lockout, ban …) is in force."""
    partner = require_member(actor)
    today = clock.today()
    problem = rules.window_problem(today, queries.acceptance_months())
    if problem is not None:
        raise DomainError(problem.code, problem.message, clause=problem.clause, status=409)
    other = queries.open_application_of(partner)
    if other is not None:
        raise DomainError(
            AdmissionError.OPEN_APPLICATION_EXISTS,
            gettext("已有未结束的准入申请 %(other_number)s，请继续办理该申请。")
            % {"other_number": other.number},
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
        if p.code in partner_rules.RESTRICTION_CODES
    ]
    if restrictions:
        first = restrictions[0]
        raise DomainError(
            first.code,
            # the first problem's clause is the error's own; name the others' beside them
            gettext("；").join(
                p.message if p.clause == first.clause else with_clause(p.message, p.clause)
                for p in restrictions
            ),
            clause=first.clause or None,
            status=409,
        )
    _check_not_admitted(partner, lines)
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
    audit_application(
        actor,
        AdmissionEvent.APPLICATION_CREATED,
        app,
        None,
        after=application_snapshot(app, ["state", *EDITABLE_FIELDS]),
    )
    return app


@transaction.atomic(durable=True)
def update_application(app: Application, *, actor: Any, **values: Any) -> Application:
    """Edit the business lines and capability declarations of a draft or returned application."""
    require_member(actor, app)
    app = locked(app)
    _editable(app)
    before = application_snapshot(app, EDITABLE_FIELDS)
    lines = _set_fields(app, values)
    if lines is not None:
        _check_not_admitted(app.partner, lines, exclude_pk=app.pk)
        _check_resources([line for line in lines if line.code not in before["business_lines"]])
    app.save()
    if lines is not None:
        app.business_lines.set(lines)
    audit_application(
        actor,
        AdmissionEvent.APPLICATION_UPDATED,
        app,
        before,
        after=application_snapshot(app, EDITABLE_FIELDS),
    )
    return app


@transaction.atomic(durable=True)
def upload_material(app: Application, *, actor: Any, kind: str, upload: UploadedFile) -> ApplicationMaterial:
    """Store an attachment-1 document; a new upload of the same kind replaces the current one."""
    require_member(actor, app)
    app = locked(app)
    _editable(app)
    if kind not in rules.MATERIAL_LABELS:
        raise DomainError(
            AdmissionError.INVALID_MATERIAL,
            gettext("未知的资料类型：%(kind)s。") % {"kind": kind},
            field="kind",
        )
    doc = documents.store(
        upload, actor=actor, partner_id=app.partner_id, kind=f"admission.{kind}", field="file"
    )
    app.materials.filter(kind=kind, is_current=True).update(is_current=False)
    material = ApplicationMaterial.objects.create(application=app, kind=kind, document=doc)
    audit_application(
        actor,
        AdmissionEvent.MATERIAL_UPLOADED,
        app,
        None,
        after={"kind": kind, "document": str(doc.uuid), "name": doc.original_name},
    )
    return material


@transaction.atomic(durable=True)
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
    require_member(actor, app)
    app = locked(app)
    _editable(app)
    line = next((x for x in app.business_lines.all() if x.code == business_line), None)
    if line is None:
        raise DomainError(
            AdmissionError.INVALID_BUSINESS_LINE,
            gettext("产品的业务类别须是本申请所选的业务类别之一。"),
            field="business_line",
        )
    if billing_mode not in BillingMode.values:
        raise DomainError(
            AdmissionError.INVALID_BUSINESS_LINE, gettext("未知的计费方式。"), field="billing_mode"
        )
    if not name.strip():
        raise DomainError(AdmissionError.INVALID_BUSINESS_LINE, gettext("请填写产品名称。"), field="name")
    if fee_fen < 0:
        raise DomainError(AdmissionError.INVALID_BUSINESS_LINE, gettext("资费不能为负数。"), field="fee_fen")
    product = ApplicationProduct.objects.create(
        application=app,
        business_line=line,
        name=name.strip(),
        description=description,
        fee_fen=fee_fen,
        billing_mode=billing_mode,
    )
    audit_application(
        actor,
        AdmissionEvent.PRODUCT_ADDED,
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


@transaction.atomic(durable=True)
def remove_product(product: ApplicationProduct, *, actor: Any) -> None:
    app = product.application
    require_member(actor, app)
    _editable(locked(app))
    before = {"product": product.pk, "name": product.name, "business_line": product.business_line.code}
    product.delete()
    audit_application(actor, AdmissionEvent.PRODUCT_REMOVED, app, before)


@transaction.atomic(durable=True)
def submit_application(app: Application, *, actor: Any) -> Application:
    """Submit (or resubmit after return) for initial review. Refuses with EVERY failing rule."""
    require_member(actor, app)
    app = locked(app)
    if app.state not in (S.DRAFT, S.RETURNED):
        fsm.transition(app, "submit", label=gettext("提交申请"))
    problems = queries.eligibility_problems(app, clock.today())
    if problems:
        raise problems_error(AdmissionError.NOT_ELIGIBLE, problems, gettext("申请不符合受理条件："))
    before = audit.snapshot(app, ["state"])
    fsm.transition(app, "submit", label=gettext("提交申请"))
    app.submitted_at = clock.now()
    app.save()
    audit_application(actor, AdmissionEvent.APPLICATION_SUBMITTED, app, before)
    notify_staff(
        app,
        notify.text(gettext_noop("准入申请 %(app_number)s 已提交待初审"), app_number=app.number),
        notify.text(gettext_noop("%(partner)s 提交了准入申请。"), partner=app.partner),
    )
    return app


@transaction.atomic(durable=True)
def withdraw_application(app: Application, *, actor: Any, reason: str = "") -> Application:
    require_member(actor, app)
    app = locked(app)
    before = audit.snapshot(app, ["state"])
    fsm.transition(app, "withdraw", label=gettext("撤回申请"))
    app.save()
    audit_application(actor, AdmissionEvent.APPLICATION_WITHDRAWN, app, before, reason=reason)
    return app


@transaction.atomic(durable=True)
def record_paper_application(
    app: Application, *, actor: Any, received_on: dt.date | None, receiver: str
) -> Application:
    """第三章 一、1: the formal paper application (正式书面申请) is recorded as received beside
    the electronic one — the day and who received it; a correction is audited too."""
    permissions.require(actor, "admission.review_application")
    app = locked(app)
    problem = rules.paper_problem(app.state, received_on, receiver, clock.today())
    if problem is not None:
        field = "received_on" if "日期" in problem.message else "receiver"
        raise DomainError(problem.code, problem.message, clause=problem.clause, field=field, status=400)
    before = audit.snapshot(app, ["paper_received_on", "paper_receiver"])
    app.paper_received_on = received_on
    app.paper_receiver = receiver.strip()
    app.save(update_fields=["paper_received_on", "paper_receiver", "updated_at"])
    audit_application(
        actor,
        AdmissionEvent.PAPER_APPLICATION_RECEIVED,
        app,
        before if before["paper_received_on"] else None,
        after=audit.snapshot(app, ["paper_received_on", "paper_receiver"]),
    )
    notify_partner(
        app,
        notify.text(gettext_noop("准入申请 %(app_number)s 的正式书面申请已收到"), app_number=app.number),
        notify.text(
            gettext_noop("%(received_on)s 由 %(paper_receiver)s 接收。"),
            received_on=notify.formatted(received_on, gettext_noop("%Y年%m月%d日")),
            paper_receiver=app.paper_receiver,
        ),
    )
    return app


REVIEW_DECISIONS = {
    "approve": ("approve_initial", gettext_lazy("初审通过"), AdmissionEvent.INITIAL_REVIEW_APPROVED),
    "return": ("return_for_correction", gettext_lazy("退回修改"), AdmissionEvent.INITIAL_REVIEW_RETURNED),
    "reject": ("reject_initial", gettext_lazy("初审不通过"), AdmissionEvent.INITIAL_REVIEW_REJECTED),
}


@transaction.atomic(durable=True)
def review_application(app: Application, *, actor: Any, decision: str, reason: str) -> Application:
    """初审: approve, return for correction (resubmit within days 1–10) or reject — with a reason;
    the partner is told in the portal and by email."""
    permissions.require(actor, "admission.review_application")
    if decision not in REVIEW_DECISIONS:
        raise DomainError(
            AdmissionError.INVALID_DECISION, gettext("初审结论须为通过、退回修改或不通过。"), field="decision"
        )
    text = required_text(reason, AdmissionError.REASON_REQUIRED, gettext("请填写理由。"))
    app = locked(app)
    method, label, action = REVIEW_DECISIONS[decision]
    before = audit.snapshot(app, ["state"])
    fsm.transition(app, method, label=label)
    app.review_reason = text
    app.save()
    audit_application(actor, action, app, before, reason=text)
    extra: notify.Message = ""
    if decision == "return":
        extra = notify.text(
            gettext_noop("请在 %(window_closes)s 前修改后重新提交。"),
            window_closes=notify.formatted(
                rules.window_closes(app.window_month), gettext_noop("%Y年%m月%d日")
            ),
        )
    notify_partner(
        app,
        notify.text(
            gettext_noop("准入申请 %(app_number)s 初审结果：%(label)s"), app_number=app.number, label=label
        ),
        notify.text(gettext_noop("%(text)s\n%(extra)s"), text=text, extra=extra) if extra else text,
    )
    return app
