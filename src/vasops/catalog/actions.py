"""The only code that changes the catalogue. Each function is one business act: it checks
permission and rules, changes rows, writes the audit row and notifies (email on commit)."""

from __future__ import annotations

import datetime as dt
import hashlib
import tempfile
import uuid
from collections.abc import Iterable
from typing import Any

from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction

from vasops.catalog import hooks, queries, rules
from vasops.catalog.errors import CatalogError
from vasops.catalog.models import (
    BillingMode,
    BusinessLine,
    Product,
    ProductChangeRequest,
    ProductTestCase,
    ProductType,
    ProductVersion,
    ResourceAllocation,
    ResourcePool,
    UnicomProductStatus,
)
from vasops.core import audit, clock, documents, fsm, imports, notify
from vasops.core.errors import DomainError, PermissionDenied
from vasops.core.models import Document
from vasops.core.permissions import require
from vasops.core.rules import format_fen
from vasops.partners import queries as partner_queries
from vasops.partners.models import Partner
from vasops.workorders import actions as workorder_actions

REVIEW_PRODUCT = "catalog.review_product"
MANAGE_RESOURCES = "catalog.manage_resources"
REVIEW_CHANGE = "catalog.review_change"
MANAGE_PRODUCT = "catalog.manage_product"

PRODUCT_FIELDS = [
    "name",
    "business_line_id",
    "access_number",
    "product_code",
    "description",
    "product_type",
    "fee_fen",
    "billing_mode",
    "details",
    "state",
    "unicom_status",
    "review_reason",
]
CHANGE_FIELDS = ["name", "description", "fee_fen", "effective_on", "review_path", "state", "review_reason"]


# --- helpers --------------------------------------------------------------------------------


def _authenticated(actor: Any) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise PermissionDenied("请先登录。")


def _require_member(actor: Any, partner: Partner) -> None:
    """The actor belongs to ``partner``, or is staff holding catalog.manage_product."""
    _authenticated(actor)
    if actor.has_perm(MANAGE_PRODUCT):
        return
    own = queries.partner_of(actor)
    if own is None or own.pk != partner.pk:
        raise PermissionDenied("您不属于该合作伙伴，不能办理其产品业务。")


def _snap(product: Product) -> dict[str, Any]:
    return audit.snapshot(product, PRODUCT_FIELDS)


def _notify_partner(product: Product, subject: str, body: str = "") -> None:
    notify.send(
        partner_queries.partner_users(product.partner),
        subject=subject,
        body=body,
        url=product.get_absolute_url(),
    )


def _notify_staff(subject: str, body: str, url: str) -> None:
    notify.send(partner_queries.product_staff_users(), subject=subject, body=body, url=url)


def _reason(reason: str, what: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(CatalogError.REASON_REQUIRED, f"{what}必须填写原因。", field="reason")
    return reason


def _check_fields(
    partner: Partner,
    line: BusinessLine,
    *,
    access_number: str,
    fee_fen: int,
    billing_mode: str,
    product_type: str,
) -> None:
    if not line.is_active:
        raise DomainError(
            CatalogError.INVALID_BUSINESS_LINE, f"业务线“{line.name}”已停用。", field="business_line"
        )
    if billing_mode not in BillingMode.values:
        raise DomainError(CatalogError.INVALID_FEE, f"未知的计费方式“{billing_mode}”。", field="billing_mode")
    if product_type not in ProductType.values:
        raise DomainError(
            CatalogError.INVALID_BUSINESS_LINE, f"未知的产品类型“{product_type}”。", field="product_type"
        )
    problem = rules.access_number_problem(access_number, partner.service_access_number)
    if problem:
        code = (
            CatalogError.NO_ACCESS_NUMBER
            if not partner.service_access_number
            else CatalogError.INVALID_ACCESS_NUMBER
        )
        raise DomainError(code, problem, clause=rules.CLAUSE_PRM_ACCESS_NO, field="access_number")
    problem = rules.fee_problem(billing_mode, fee_fen)
    if problem:
        raise DomainError(CatalogError.INVALID_FEE, problem, field="fee_fen")


def _store_materials(
    obj: Any, uploads: Iterable[UploadedFile], *, actor: Any, partner_id: int, kind: str
) -> None:
    for upload in uploads:
        obj.materials.add(
            documents.store(upload, actor=actor, partner_id=partner_id, kind=kind, field="materials")
        )


def _check_eligible(partner: Partner, line: BusinessLine) -> None:
    """Only partners admitted or active, with valid qualifications and no blocking restriction."""
    if partner.state not in rules.SUBMITTING_PARTNER_STATES:
        raise DomainError(
            CatalogError.PARTNER_NOT_ELIGIBLE,
            f"合作伙伴当前状态为“{partner.get_state_display()}”，只有已准入或已开通的合作伙伴可以申报产品。",
            status=403,
            clause=rules.CLAUSE_PRODUCT_NEW,
        )
    problems = partner_queries.eligibility_problems(
        partner, clock.today(), business_lines=[line.code, line.name]
    )
    if problems:
        raise DomainError(
            CatalogError.PARTNER_NOT_ELIGIBLE,
            "不能申报产品：" + "；".join(p.message for p in problems),
            status=403,
            clause=problems[0].clause or rules.CLAUSE_PRODUCT_NEW,
        )


# --- product new 产品新增 -------------------------------------------------------------------


@transaction.atomic
def create_product(
    *,
    actor: Any,
    partner: Partner,
    business_line: BusinessLine,
    name: str,
    access_number: str,
    description: str,
    product_type: str,
    fee_fen: int,
    billing_mode: str,
    details: dict[str, Any] | None = None,
    materials: Iterable[UploadedFile] = (),
) -> Product:
    """A partner drafts a new product (attachment 2). Submit it with :func:`submit_product`."""
    _require_member(actor, partner)
    _check_fields(
        partner,
        business_line,
        access_number=access_number,
        fee_fen=fee_fen,
        billing_mode=billing_mode,
        product_type=product_type,
    )
    product = Product(
        partner=partner,
        business_line=business_line,
        name=name.strip(),
        access_number=access_number,
        description=description.strip(),
        product_type=product_type,
        fee_fen=fee_fen,
        billing_mode=billing_mode,
        details=details or {},
        created_by=actor,
    )
    product.save()
    _store_materials(product, materials, actor=actor, partner_id=partner.pk, kind="product_new")
    audit.record(
        actor=actor,
        action="catalog.product_created",
        obj=product,
        partner_id=partner.pk,
        after=_snap(product),
    )
    return product


@transaction.atomic
def update_product(
    product: Product, *, actor: Any, materials: Iterable[UploadedFile] = (), **fields: Any
) -> Product:
    """Edit a draft (new or returned) product."""
    product = Product.objects.select_for_update().get(pk=product.pk)
    _require_member(actor, product.partner)
    if product.state != Product.State.DRAFT:
        raise DomainError(
            "core.invalid_transition",
            f"当前状态“{product.get_state_display()}”下不能修改产品申报资料。",
            status=409,
        )
    before = _snap(product)
    allowed = {
        "name",
        "business_line",
        "access_number",
        "description",
        "product_type",
        "fee_fen",
        "billing_mode",
        "details",
    }
    for key, value in fields.items():
        if key not in allowed:
            raise ValueError(f"unknown field {key}")
        setattr(product, key, value)
    _check_fields(
        product.partner,
        product.business_line,
        access_number=product.access_number,
        fee_fen=product.fee_fen,
        billing_mode=product.billing_mode,
        product_type=product.product_type,
    )
    product.save()
    _store_materials(product, materials, actor=actor, partner_id=product.partner_id, kind="product_new")
    audit.record(
        actor=actor,
        action="catalog.product_updated",
        obj=product,
        partner_id=product.partner_id,
        before=before,
        after=_snap(product),
    )
    return product


@transaction.atomic
def submit_product(product: Product, *, actor: Any) -> Product:
    product = (
        Product.objects.select_for_update().select_related("partner", "business_line").get(pk=product.pk)
    )
    _require_member(actor, product.partner)
    _check_eligible(product.partner, product.business_line)
    before = _snap(product)
    fsm.transition(product, "submit", label="提交审核")
    product.submitted_at = clock.now()
    product.review_reason = ""
    product.save()
    _take_channel(product, actor=actor)
    audit.record(
        actor=actor,
        action="catalog.product_submitted",
        obj=product,
        partner_id=product.partner_id,
        before=before,
        after=_snap(product),
    )
    _notify_staff(
        f"新产品待审核：{product.partner} · {product.name}",
        "请在“产品审核”中审核。",
        product.get_absolute_url(),
    )
    return product


def _open_configuration_orders(product: Product, *, actor: Any, title: str, description: str) -> list[Any]:
    orders = []
    for system in product.business_line.vas_systems or []:
        orders.append(
            workorder_actions.open_work_order(
                actor=actor,
                type="data_change",
                title=f"{title}：{product.name}（{product.product_code}）"[:200],
                description=description,
                partner=product.partner,
                system=system,
                related=product,
            )
        )
    return orders


@transaction.atomic
def review_product(
    product: Product, *, actor: Any, decision: str, reason: str = "", product_code: str = ""
) -> Product:
    """Staff review of a new product: ``approve`` (assigns the product code, raises one
    data-change work order per VAS system of the business line → configuring), ``return`` to
    the partner for revision or ``reject`` — both with a reason."""
    require(actor, REVIEW_PRODUCT)
    product = (
        Product.objects.select_for_update().select_related("partner", "business_line").get(pk=product.pk)
    )
    before = _snap(product)
    if decision == "approve":
        code = (product_code or product.product_code or "").strip()
        problem = rules.product_code_problem(code, product.business_line.service_type)
        if problem:
            raise DomainError(
                CatalogError.INVALID_PRODUCT_CODE,
                problem,
                clause=rules.CLAUSE_PRM_CODES,
                field="product_code",
            )
        if Product.objects.filter(product_code=code).exclude(pk=product.pk).exists():
            raise DomainError(
                CatalogError.PRODUCT_CODE_TAKEN, f"产品代码 {code} 已被使用。", field="product_code"
            )
        fsm.transition(product, "approve", label="审核通过")
        product.product_code = code
        product.review_reason = (reason or "").strip()
        fsm.transition(product, "start_configuration", label="开始数据制作")
        product.save()
        orders = _open_configuration_orders(
            product,
            actor=actor,
            title="产品新增数据制作",
            description=(
                f"合作伙伴：{product.partner}\n接入号：{product.access_number}\n"
                f"资费：{product.fee_fen} 分（{product.get_billing_mode_display()}）"
            ),
        )
        action, subject = "catalog.product_approved", f"产品“{product.name}”审核通过，进入数据制作"
        after = {**_snap(product), "work_orders": [o.pk for o in orders]}
    elif decision in ("return", "reject"):
        text = _reason(reason, "退回或驳回")
        if decision == "return":
            fsm.transition(product, "return_for_revision", label="退回修改")
            action, subject = "catalog.product_returned", f"产品“{product.name}”被退回修改"
        else:
            fsm.transition(product, "reject", label="驳回")
            action, subject = "catalog.product_rejected", f"产品“{product.name}”申请被驳回"
            _release_product_resources(product, actor=actor, reason="产品申请被驳回")
        product.review_reason = text
        product.save()
        after = _snap(product)
    else:
        raise ValueError(f"unknown decision {decision}")
    audit.record(
        actor=actor,
        action=action,
        obj=product,
        partner_id=product.partner_id,
        before=before,
        after=after,
        reason=reason,
    )
    _notify_partner(product, subject, product.review_reason)
    return product


@transaction.atomic
def finish_configuration(product: Product, *, actor: Any, note: str = "") -> Product:
    """Configuration done on every system → testing, with the default test checklist."""
    require(actor, MANAGE_PRODUCT)
    product = Product.objects.select_for_update().get(pk=product.pk)
    before = _snap(product)
    fsm.transition(product, "finish_configuration", label="数据制作完成")
    product.save()
    if not product.test_cases.exists():
        ProductTestCase.objects.bulk_create(
            [ProductTestCase(product=product, name=n) for n in rules.DEFAULT_TEST_CASES]
        )
    else:
        product.test_cases.update(passed=None, recorded_by=None, recorded_at=None, note="")
    audit.record(
        actor=actor,
        action="catalog.configuration_done",
        obj=product,
        partner_id=product.partner_id,
        before=before,
        after=_snap(product),
        reason=note,
    )
    _notify_partner(product, f"产品“{product.name}”数据制作完成，进入测试")
    return product


@transaction.atomic
def add_test_case(product: Product, *, actor: Any, name: str) -> ProductTestCase:
    require(actor, MANAGE_PRODUCT)
    if product.state != Product.State.TESTING:
        raise DomainError("core.invalid_transition", "只有测试中的产品可以增加测试项。", status=409)
    name = (name or "").strip()
    if not name:
        raise DomainError("core.validation", "请填写测试项名称。", field="name")
    case = ProductTestCase.objects.create(product=product, name=name[:200])
    audit.record(
        actor=actor,
        action="catalog.test_case_added",
        obj=product,
        partner_id=product.partner_id,
        after={"test_case": case.name},
    )
    return case


@transaction.atomic
def record_test_result(case: ProductTestCase, *, actor: Any, passed: bool, note: str = "") -> ProductTestCase:
    require(actor, MANAGE_PRODUCT)
    case = ProductTestCase.objects.select_for_update().select_related("product").get(pk=case.pk)
    if case.product.state != Product.State.TESTING:
        raise DomainError("core.invalid_transition", "只有测试中的产品可以登记测试结果。", status=409)
    before = {"test_case": case.name, "passed": case.passed}
    case.passed = passed
    case.note = (note or "").strip()[:500]
    case.recorded_by = actor
    case.recorded_at = clock.now()
    case.save()
    audit.record(
        actor=actor,
        action="catalog.test_result_recorded",
        obj=case.product,
        partner_id=case.product.partner_id,
        before=before,
        after={"test_case": case.name, "passed": passed, "note": case.note},
    )
    return case


@transaction.atomic
def complete_testing(product: Product, *, actor: Any) -> Product:
    """Every test case passed → active; version 1 (name, description, price) valid from now."""
    require(actor, MANAGE_PRODUCT)
    product = Product.objects.select_for_update().get(pk=product.pk)
    if product.state == Product.State.TESTING:
        problem = rules.tests_problem(list(product.test_cases.values_list("passed", flat=True)))
        if problem:
            raise DomainError(CatalogError.TESTS_NOT_PASSED, problem, status=409)
    before = _snap(product)
    fsm.transition(product, "go_live", label="测试通过上线")
    now = clock.now()
    product.activated_at = now
    product.save()
    version = ProductVersion.objects.create(
        product=product,
        number=1,
        name=product.name,
        description=product.description,
        fee_fen=product.fee_fen,
        billing_mode=product.billing_mode,
        valid_from=now,
    )
    audit.record(
        actor=actor,
        action="catalog.product_activated",
        obj=product,
        partner_id=product.partner_id,
        before=before,
        after={**_snap(product), "version": version.number},
    )
    _notify_partner(product, f"产品“{product.name}”已上线")
    return product


@transaction.atomic
def fail_testing(product: Product, *, actor: Any, reason: str) -> Product:
    """Testing failed → back to configuring (the systems fix their data, then test again)."""
    require(actor, MANAGE_PRODUCT)
    text = _reason(reason, "测试不通过")
    product = Product.objects.select_for_update().get(pk=product.pk)
    before = _snap(product)
    fsm.transition(product, "fail_testing", label="测试不通过")
    product.save()
    audit.record(
        actor=actor,
        action="catalog.testing_failed",
        obj=product,
        partner_id=product.partner_id,
        before=before,
        after=_snap(product),
        reason=text,
    )
    _notify_partner(product, f"产品“{product.name}”测试未通过，重新制作数据", text)
    return product


@transaction.atomic
def suspend_product(product: Product, *, actor: Any, reason: str, block_port: bool = False) -> Product:
    """Pause a live product: 暂停代收费 (A.10 code 5, existing users continue) or, with
    ``block_port``, 暂停端口 (code 6, nobody may use it)."""
    require(actor, MANAGE_PRODUCT)
    text = _reason(reason, "暂停产品")
    product = Product.objects.select_for_update().get(pk=product.pk)
    before = _snap(product)
    fsm.transition(product, "suspend", label="暂停")
    product.unicom_status = (
        UnicomProductStatus.PAUSED_PORT if block_port else UnicomProductStatus.PAUSED_COLLECTION
    )
    product.save()
    audit.record(
        actor=actor,
        action="catalog.product_suspended",
        obj=product,
        partner_id=product.partner_id,
        before=before,
        after=_snap(product),
        reason=text,
    )
    _notify_partner(product, f"产品“{product.name}”已暂停", text)
    return product


@transaction.atomic
def resume_product(product: Product, *, actor: Any, reason: str = "") -> Product:
    require(actor, MANAGE_PRODUCT)
    product = Product.objects.select_for_update().get(pk=product.pk)
    before = _snap(product)
    fsm.transition(product, "resume", label="恢复")
    product.save()
    audit.record(
        actor=actor,
        action="catalog.product_resumed",
        obj=product,
        partner_id=product.partner_id,
        before=before,
        after=_snap(product),
        reason=reason,
    )
    _notify_partner(product, f"产品“{product.name}”已恢复")
    return product


@transaction.atomic
def retire_product(product: Product, *, actor: Any, reason: str) -> Product:
    """下线 (A.10 code 7): the open version ends now; history stays."""
    require(actor, MANAGE_PRODUCT)
    text = _reason(reason, "产品下线")
    product = Product.objects.select_for_update().get(pk=product.pk)
    before = _snap(product)
    fsm.transition(product, "retire", label="下线")
    product.save()
    _release_product_resources(product, actor=actor, reason="产品下线")
    now = clock.now()
    product.versions.filter(valid_to__isnull=True, valid_from__lte=now).update(valid_to=now)
    audit.record(
        actor=actor,
        action="catalog.product_retired",
        obj=product,
        partner_id=product.partner_id,
        before=before,
        after=_snap(product),
        reason=text,
    )
    _notify_partner(product, f"产品“{product.name}”已下线", text)
    return product


# --- product change 产品变更 ----------------------------------------------------------------


@transaction.atomic
def request_change(
    product: Product,
    *,
    actor: Any,
    name: str,
    description: str,
    fee_fen: int,
    effective_on: dt.date,
    reason: str = "",
    materials: Iterable[UploadedFile] = (),
) -> ProductChangeRequest:
    """A partner asks to change name, description or fee from ``effective_on`` (attachment 3).
    A monthly product may not raise its price; an on-demand price rise is flagged for the full
    product-new review; anything else goes to change review."""
    product = (
        Product.objects.select_for_update().select_related("partner", "business_line").get(pk=product.pk)
    )
    _require_member(actor, product.partner)
    if product.state not in (Product.State.ACTIVE, Product.State.SUSPENDED):
        raise DomainError(
            CatalogError.PRODUCT_NOT_ACTIVE,
            "只有已上线（或暂停中）的产品可以申请变更。",
            status=409,
            clause=rules.CLAUSE_PRODUCT_CHANGE,
        )
    if queries.pending_change(product) is not None:
        raise DomainError(
            CatalogError.CHANGE_PENDING, "该产品已有一个未生效的变更申请，请等它处理完毕。", status=409
        )
    name, description = name.strip(), description.strip()
    if name == product.name and description == product.description and fee_fen == product.fee_fen:
        raise DomainError(CatalogError.NOTHING_CHANGED, "产品名称、描述和资费都没有变化。")
    problem = rules.effective_date_problem(effective_on, clock.today())
    if problem:
        raise DomainError(
            CatalogError.EFFECTIVE_DATE_NOT_IN_FUTURE,
            problem,
            clause=rules.CLAUSE_PRODUCT_CHANGE,
            field="effective_on",
        )
    problem = rules.fee_problem(product.billing_mode, fee_fen)
    if problem:
        raise DomainError(CatalogError.INVALID_FEE, problem, field="fee_fen")
    path = rules.change_review_path(product.billing_mode, product.fee_fen, fee_fen)
    change = ProductChangeRequest.objects.create(
        product=product,
        partner=product.partner,
        name=name,
        description=description,
        fee_fen=fee_fen,
        old_name=product.name,
        old_description=product.description,
        old_fee_fen=product.fee_fen,
        billing_mode=product.billing_mode,
        effective_on=effective_on,
        reason=(reason or "").strip(),
        review_path=path,
        created_by=actor,
    )
    _store_materials(change, materials, actor=actor, partner_id=product.partner_id, kind="product_change")
    audit.record(
        actor=actor,
        action="catalog.change_requested",
        obj=change,
        partner_id=product.partner_id,
        after=audit.snapshot(change, CHANGE_FIELDS),
    )
    audit.record(
        actor=actor,
        action="catalog.change_requested",
        obj=product,
        partner_id=product.partner_id,
        after={"change_request": change.pk},
    )
    _notify_staff(
        f"产品变更待审核：{product.partner} · {product.name}",
        "资费上调，按产品新增流程审核。" if path == rules.PATH_FULL else "",
        change.get_absolute_url(),
    )
    return change


@transaction.atomic
def review_change(
    change: ProductChangeRequest, *, actor: Any, decision: str, reason: str = ""
) -> ProductChangeRequest:
    """Approve (schedules the new version from the effective date), return or reject a change.
    A change flagged for full review needs catalog.review_product and raises the data-change
    work orders like a new product; an ordinary change needs catalog.review_change."""
    change = (
        ProductChangeRequest.objects.select_for_update()
        .select_related("product", "product__business_line", "partner")
        .get(pk=change.pk)
    )
    require(actor, REVIEW_PRODUCT if change.needs_full_review else REVIEW_CHANGE)
    before = audit.snapshot(change, CHANGE_FIELDS)
    product = Product.objects.select_for_update().get(pk=change.product_id)
    extra: dict[str, Any] = {}
    if decision == "approve":
        problem = rules.effective_date_problem(change.effective_on, clock.today())
        if problem:
            raise DomainError(
                CatalogError.EFFECTIVE_DATE_NOT_IN_FUTURE,
                problem + "请退回合作伙伴重新确定生效日期。",
                clause=rules.CLAUSE_PRODUCT_CHANGE,
            )
        fsm.transition(change, "approve", label="批准变更")
        version = _schedule_version(product, change)
        extra["version"] = version.number
        if change.needs_full_review:
            orders = _open_configuration_orders(
                product,
                actor=actor,
                title="产品资费变更数据制作",
                description=(
                    f"资费 {change.old_fee_fen} 分 → {change.fee_fen} 分，{change.effective_on:%Y-%m-%d} 生效"
                ),
            )
            extra["work_orders"] = [o.pk for o in orders]
        action, subject = (
            "catalog.change_approved",
            f"产品“{product.name}”的变更已批准，{change.effective_on:%Y-%m-%d} 生效",
        )
    elif decision in ("return", "reject"):
        text = _reason(reason, "退回或驳回")
        if decision == "return":
            fsm.transition(change, "return_for_revision", label="退回")
            action, subject = "catalog.change_returned", f"产品“{product.name}”的变更申请被退回"
        else:
            fsm.transition(change, "reject", label="驳回")
            action, subject = "catalog.change_rejected", f"产品“{product.name}”的变更申请被驳回"
        change.review_reason = text
    else:
        raise ValueError(f"unknown decision {decision}")
    if decision == "approve":
        change.review_reason = (reason or "").strip()
    change.reviewed_by = actor
    change.reviewed_at = clock.now()
    change.save()
    after = {**audit.snapshot(change, CHANGE_FIELDS), **extra}
    audit.record(
        actor=actor,
        action=action,
        obj=change,
        partner_id=change.partner_id,
        before=before,
        after=after,
        reason=reason,
    )
    audit.record(
        actor=actor,
        action=action,
        obj=product,
        partner_id=change.partner_id,
        after={"change_request": change.pk, **extra},
    )
    notify.send(
        partner_queries.partner_users(change.partner),
        subject=subject,
        body=change.review_reason,
        url=change.get_absolute_url(),
    )
    return change


def _schedule_version(product: Product, change: ProductChangeRequest) -> ProductVersion:
    """Add the version valid from the effective date's midnight (Asia/Shanghai); the open
    version ends there. Refuses when it would overlap a version starting at or after it."""
    start = rules.start_of_day(change.effective_on)
    versions = list(ProductVersion.objects.select_for_update().filter(product=product).order_by("valid_from"))
    if not versions:
        raise DomainError(CatalogError.NO_VERSION, "该产品没有生效中的版本，不能变更。", status=409)
    later = [v for v in versions if v.valid_from >= start]
    if later:
        raise DomainError(
            CatalogError.VERSION_OVERLAP,
            f"{later[0].valid_from.astimezone(rules.SHANGHAI):%Y-%m-%d} 起已有版本 v{later[0].number}，"
            "新版本的有效期不能与之重叠。",
            status=409,
        )
    current = versions[-1]
    if current.valid_to is not None and current.valid_to <= start:
        raise DomainError(CatalogError.NO_VERSION, "该产品在生效日期已无有效版本（已下线）。", status=409)
    # the open version ends where the new one begins: [.., start) then [start, ∞)
    ProductVersion.objects.filter(pk=current.pk).update(valid_to=start)
    return ProductVersion.objects.create(
        product=product,
        number=max(v.number for v in versions) + 1,
        name=change.name,
        description=change.description,
        fee_fen=change.fee_fen,
        billing_mode=change.billing_mode,
        valid_from=start,
        change_request=change,
    )


@transaction.atomic
def apply_due_changes(*, actor: Any = "system", today: dt.date | None = None) -> int:
    """Sweep (idempotent): approved changes whose effective date has come take effect — the
    product row shows the new name/description/price; earlier records keep their version."""
    today = today or clock.today()
    due = ProductChangeRequest.objects.select_for_update().filter(
        state=ProductChangeRequest.State.APPROVED, effective_on__lte=today
    )
    n = 0
    for change in due:
        product = Product.objects.select_for_update().get(pk=change.product_id)
        before = _snap(product)
        fsm.transition(change, "take_effect", label="生效")
        change.save()
        product.name, product.description, product.fee_fen = change.name, change.description, change.fee_fen
        product.save()
        if change.fee_fen != change.old_fee_fen:
            _produce_fee_notice(change, product, actor=actor)
        audit.record(
            actor=actor,
            action="catalog.change_effective",
            obj=change,
            partner_id=change.partner_id,
            after={"state": change.state},
        )
        audit.record(
            actor=actor,
            action="catalog.change_effective",
            obj=product,
            partner_id=product.partner_id,
            before=before,
            after=_snap(product),
        )
        n += 1
    return n


# --- business lines (staff) -----------------------------------------------------------------


@transaction.atomic
def save_business_line(
    *,
    actor: Any,
    code: str,
    name: str,
    service_type: str,
    vas_systems: list[str],
    extra_fields: list[dict[str, Any]] | None = None,
    is_active: bool = True,
    sort_order: int = 0,
    needs_channel: bool | None = None,
) -> BusinessLine:
    require(actor, "catalog.change_businessline")
    if not rules.SERVICE_TYPE_RE.match(service_type or ""):
        raise DomainError(
            CatalogError.INVALID_BUSINESS_LINE,
            "业务类型代码应为 2 位数字（PRM 附录 A2）。",
            field="service_type",
        )
    from vasops.workorders.models import VAS_SYSTEMS

    known = {c for c, _ in VAS_SYSTEMS}
    unknown = [s for s in vas_systems if s not in known]
    if unknown:
        raise DomainError(
            CatalogError.INVALID_BUSINESS_LINE, f"未知的系统：{'、'.join(unknown)}。", field="vas_systems"
        )
    line = BusinessLine.objects.filter(code=code).first()
    line_fields = ["name", "service_type", "vas_systems", "needs_channel", "is_active"]
    before = audit.snapshot(line, line_fields) if line else None
    line = line or BusinessLine(code=code)
    line.name, line.service_type, line.vas_systems = name, service_type, vas_systems
    line.extra_fields = extra_fields if extra_fields is not None else line.extra_fields
    line.is_active, line.sort_order = is_active, sort_order
    if needs_channel is not None:
        line.needs_channel = needs_channel
    line.save()
    audit.record(
        actor=actor,
        action="catalog.business_line_saved",
        obj=line,
        before=before,
        after=audit.snapshot(line, line_fields),
    )
    return line


# --- resource pools: 企业代码, 业务接入号, 通道配额, E1 lines ----------------------------------

POOL_FIELDS = [
    "business_line_id",
    "kind",
    "name",
    "range_start",
    "range_end",
    "explicit_numbers",
    "capacity",
    "note",
    "is_active",
]
ALLOCATION_FIELDS = [
    "pool_id",
    "kind",
    "number",
    "partner_id",
    "product_id",
    "quantity",
    "reason",
    "released_at",
]


def _actor_user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


def _locked_pool(pool: ResourcePool | int) -> ResourcePool:
    """The pool row locked: allocations of one pool are serialised on it."""
    pk = pool if isinstance(pool, int) else pool.pk
    return ResourcePool.objects.select_for_update(of=("self",)).select_related("business_line").get(pk=pk)


def _record_allocation(
    pool: ResourcePool, allocation: ResourceAllocation, *, actor: Any, used: int, reason: str
) -> None:
    audit.record(
        actor=actor or "system",
        action="catalog.resource_allocated",
        obj=pool,
        partner_id=allocation.partner_id,
        before={"used": used},
        after={**audit.snapshot(allocation, ALLOCATION_FIELDS), "used": used + allocation.quantity},
        reason=reason,
    )


def _grant(
    pool: ResourcePool, *, actor: Any, partner: Partner, quantity: int, product: Product | None, reason: str
) -> ResourceAllocation:
    """Take ``quantity`` channels / E1 lines from the locked ``pool`` or refuse with
    catalog.resource_pool_full."""
    used = queries.pool_used(pool)
    problem = rules.pool_full_problem(str(pool), pool.capacity, used, quantity)
    if problem:
        raise DomainError(CatalogError.RESOURCE_POOL_FULL, problem, status=409, field="quantity")
    allocation = ResourceAllocation.objects.create(
        pool=pool,
        kind=pool.kind,
        partner=partner,
        product=product,
        quantity=quantity,
        reason=reason,
        allocated_by=_actor_user(actor),
    )
    _record_allocation(pool, allocation, actor=actor, used=used, reason=reason)
    return allocation


def _take_number(
    pools: list[ResourcePool], kind: str, *, actor: Any, partner: Partner, reason: str
) -> ResourceAllocation:
    """The next free number of ``kind`` from the locked ``pools`` (in order), within each pool's
    capacity, skipping numbers held by an allocation or already on a partner; refuse with
    catalog.resource_pool_full (naming 第二章 二、4) when none has room."""
    taken = queries.held_numbers(kind) | partner_queries.assigned_numbers(kind)
    for pool in pools:
        used = queries.pool_used(pool)
        if used >= queries.pool_capacity(pool):
            continue
        for number in queries.pool_candidates(pool):
            if number in taken:
                continue
            try:
                with transaction.atomic():
                    allocation = ResourceAllocation.objects.create(
                        pool=pool,
                        kind=kind,
                        number=number,
                        partner=partner,
                        quantity=1,
                        reason=reason,
                        allocated_by=_actor_user(actor),
                    )
            except IntegrityError:
                taken.add(number)
                continue
            _record_allocation(pool, allocation, actor=actor, used=used, reason=reason)
            return allocation
    raise DomainError(
        CatalogError.RESOURCE_POOL_FULL,
        rules.number_pools_exhausted_problem(kind),
        status=409,
        clause=rules.CLAUSE_RESOURCE,
    )


def _take_channel(product: Product, *, actor: Any) -> ResourceAllocation | None:
    """A product of a line that needs a channel holds one channel of the line's 通道配额 pool
    from its submission (kept across return-and-resubmit; released on rejection/retirement)."""
    line = product.business_line
    if not line.needs_channel:
        return None
    held = product.resource_allocations.filter(
        pool__kind=ResourcePool.Kind.CHANNEL, released_at__isnull=True
    ).first()
    if held is not None:
        return held
    pool = ResourcePool.objects.filter(
        business_line=line, kind=ResourcePool.Kind.CHANNEL, is_active=True
    ).first()
    if pool is None:
        raise DomainError(
            CatalogError.RESOURCE_POOL_MISSING,
            f"业务线“{line.name}”需要通道，但尚未配置可用的通道配额资源池；请联系产品创新部。",
            status=409,
        )
    return _grant(
        _locked_pool(pool),
        actor=actor,
        partner=product.partner,
        quantity=1,
        product=product,
        reason=f"产品“{product.name}”提交审核占用通道",
    )


def _release(allocation: ResourceAllocation, *, actor: Any, reason: str) -> ResourceAllocation:
    pool = _locked_pool(allocation.pool_id)
    used = queries.pool_used(pool)
    allocation.released_at = clock.now()
    allocation.released_by = _actor_user(actor)
    allocation.release_reason = reason[:500]
    allocation.save(update_fields=["released_at", "released_by", "release_reason"])
    audit.record(
        actor=actor,
        action="catalog.resource_released",
        obj=pool,
        partner_id=allocation.partner_id,
        before={"used": used},
        after={**audit.snapshot(allocation, ALLOCATION_FIELDS), "used": used - allocation.quantity},
        reason=reason,
    )
    return allocation


def _release_product_resources(product: Product, *, actor: Any, reason: str) -> None:
    for allocation in ResourceAllocation.objects.select_for_update().filter(
        product=product, released_at__isnull=True
    ):
        _release(allocation, actor=actor, reason=reason)


def _check_pool_definition(
    kind: str,
    business_line: BusinessLine | None,
    *,
    range_start: str,
    range_end: str,
    explicit: list[str],
    capacity: int,
) -> None:
    if kind in rules.NUMBER_KINDS:
        if business_line is not None:
            raise DomainError(
                CatalogError.INVALID_POOL, "企业代码与业务接入号资源池不分业务线。", field="business_line"
            )
        msgs = rules.number_pool_problems(kind, range_start, range_end, explicit, capacity)
        if msgs:
            raise DomainError(CatalogError.INVALID_POOL, "；".join(msgs), field="range_start")
    elif business_line is None:
        raise DomainError(
            CatalogError.INVALID_POOL, "通道配额与 E1 线路资源池须选择业务线。", field="business_line"
        )
    elif range_start or range_end or explicit:
        raise DomainError(
            CatalogError.INVALID_POOL, "通道配额与 E1 线路资源池没有号段。", field="range_start"
        )


@transaction.atomic
def save_resource_pool(
    *,
    actor: Any,
    kind: str,
    name: str,
    capacity: int = 0,
    business_line: BusinessLine | None = None,
    range_start: str = "",
    range_end: str = "",
    explicit_numbers: str = "",
    note: str = "",
    is_active: bool = True,
    pool: ResourcePool | None = None,
) -> ResourcePool:
    """Create a pool or change an existing one (name, capacity, numbers, note, active flag):
    企业代码 / 业务接入号 pools list a range and/or numbers (capacity 0 = all of them); 通道配额 /
    E1 pools are one per business line and kind. The capacity never drops below what is held."""
    require(actor, MANAGE_RESOURCES)
    if pool is not None:
        pool = _locked_pool(pool)
        kind, business_line = pool.kind, pool.business_line
    if kind not in ResourcePool.Kind.values:
        raise DomainError(CatalogError.INVALID_POOL, "未知的资源类型。", field="kind")
    name = (name or "").strip()
    if not name:
        raise DomainError(CatalogError.INVALID_POOL, "请填写资源池名称。", field="name")
    range_start, range_end = (range_start or "").strip(), (range_end or "").strip()
    explicit = rules.parse_numbers(explicit_numbers)
    _check_pool_definition(
        kind,
        business_line,
        range_start=range_start,
        range_end=range_end,
        explicit=explicit,
        capacity=capacity,
    )
    if pool is None:
        if (
            business_line is not None
            and ResourcePool.objects.filter(business_line=business_line, kind=kind).exists()
        ):
            raise DomainError(
                CatalogError.INVALID_POOL,
                f"业务线“{business_line.name}”已有{rules.POOL_KIND_LABELS[kind]}资源池，请修改它的容量。",
                field="kind",
            )
        used, before = 0, None
        pool = ResourcePool(business_line=business_line, kind=kind)
    else:
        used = queries.pool_used(pool)
        before = audit.snapshot(pool, POOL_FIELDS)
    if kind in rules.NUMBER_KINDS:
        effective = rules.number_pool_capacity(
            capacity, rules.number_pool_size(range_start, range_end, explicit)
        )
        if effective < used:
            raise DomainError(
                CatalogError.INVALID_POOL, f"容量不能小于当前已分配的号码数 {used}。", field="capacity"
            )
    else:
        problem = rules.capacity_problem(capacity, used)
        if problem:
            raise DomainError(CatalogError.INVALID_POOL, problem, field="capacity")
    pool.name, pool.capacity, pool.note, pool.is_active = name, capacity, (note or "").strip(), is_active
    pool.range_start, pool.range_end, pool.explicit_numbers = range_start, range_end, "\n".join(explicit)
    pool.save()
    audit.record(
        actor=actor,
        action="catalog.pool_saved",
        obj=pool,
        before=before,
        after=audit.snapshot(pool, POOL_FIELDS),
    )
    return pool


@transaction.atomic
def allocate_resource(
    pool: ResourcePool | None = None,
    *,
    actor: Any,
    partner: Partner,
    kind: str | None = None,
    quantity: int = 1,
    reason: str = "",
    product: Product | None = None,
) -> ResourceAllocation:
    """The one way to take a resource. Channels / E1 lines: ``quantity`` of ``pool`` to
    ``partner``. Numbers: the next free enterprise code / service access number of ``pool``, or
    — given only ``kind`` — of the active pools of that kind in order (the admission decision).
    A full pool refuses with catalog.resource_pool_full naming the pool and its capacity.

    ``actor`` holds catalog.manage_resources, or is None when the allocation is the consequence of
    an act already permission-checked (an acceptance decision): audited as the system."""
    if actor is not None:
        require(actor, MANAGE_RESOURCES)
    reason = (reason or "").strip()
    if pool is None:
        if kind not in rules.NUMBER_KINDS:
            raise DomainError(CatalogError.INVALID_POOL, "请选择资源池。", field="pool")
        pools = list(
            ResourcePool.objects.select_for_update().filter(kind=kind, is_active=True).order_by("id")
        )
        return _take_number(pools, kind, actor=actor, partner=partner, reason=reason)
    pool = _locked_pool(pool)
    if not pool.is_active:
        raise DomainError(CatalogError.INVALID_POOL, f"资源池“{pool}”已停用。", status=409)
    if quantity < 1:
        raise DomainError(CatalogError.INVALID_POOL, "分配数量至少为 1。", field="quantity")
    if product is not None and product.partner_id != partner.pk:
        raise DomainError(CatalogError.INVALID_POOL, "所选产品不属于该合作伙伴。", field="product")
    if pool.kind in rules.NUMBER_KINDS:
        if quantity != 1:
            raise DomainError(CatalogError.INVALID_POOL, "号码每次分配 1 个。", field="quantity")
        return _take_number([pool], pool.kind, actor=actor, partner=partner, reason=reason)
    return _grant(pool, actor=actor, partner=partner, quantity=quantity, product=product, reason=reason)


@transaction.atomic
def release_resource(allocation: ResourceAllocation, *, actor: Any, reason: str) -> ResourceAllocation:
    """Staff give an allocation back to its pool (with a reason)."""
    require(actor, MANAGE_RESOURCES)
    text = _reason(reason, "释放资源")
    allocation = ResourceAllocation.objects.select_for_update().get(pk=allocation.pk)
    if allocation.released_at is not None:
        raise DomainError(CatalogError.ALLOCATION_RELEASED, "该分配已释放。", status=409)
    return _release(allocation, actor=actor, reason=text)


# --- fee-change notification file for the SMS platform --------------------------------------

FEE_NOTICE_HEADER = ["MSISDN", "产品代码", "原资费（元）", "新资费（元）", "生效日期"]


def _yuan(fen: int) -> str:
    return format_fen(fen).replace(",", "")


def _produce_fee_notice(change: ProductChangeRequest, product: Product, *, actor: Any) -> Document:
    """Write the GBK CSV the SMS platform sends from: a header line, then one line per
    subscriber MSISDN (from :data:`hooks.subscriber_provider`) with product code, old fee, new
    fee (yuan) and effective date. Streams to a temporary file (a product may have millions)."""
    digest = hashlib.sha256()
    size = count = 0
    code = product.product_code or ""
    tail = f",{code},{_yuan(change.old_fee_fen)},{_yuan(change.fee_fen)},{change.effective_on:%Y-%m-%d}\r\n"
    with tempfile.TemporaryFile() as tmp:

        def write(line: str) -> None:
            nonlocal size
            data = line.encode("gbk")
            digest.update(data)
            size += len(data)
            tmp.write(data)

        write(",".join(FEE_NOTICE_HEADER) + "\r\n")
        seen: set[str] = set()
        for raw in hooks.subscribers_of(product):
            msisdn = str(raw).strip()
            if not msisdn or msisdn in seen or not msisdn.isdigit():
                continue
            seen.add(msisdn)
            write(msisdn + tail)
            count += 1
        tmp.seek(0)
        name = f"资费变更通知-{code or product.pk}-{change.effective_on:%Y%m%d}.csv"
        doc = Document(
            original_name=name,
            content_type="text/csv; charset=GBK",
            size=size,
            sha256=digest.hexdigest(),
            kind="fee_change_notice",
            partner_id=None,  # subscriber numbers: carrier staff only
            uploaded_by=_actor_user(actor),
        )
        doc.file.save(f"{uuid.uuid4().hex}.csv", File(tmp), save=False)
        doc.save()
    ProductChangeRequest.objects.filter(pk=change.pk).update(notification_file=doc)
    change.notification_file = doc
    audit.record(
        actor=actor,
        action="catalog.fee_notice_produced",
        obj=change,
        partner_id=change.partner_id,
        after={"document": str(doc.uuid), "subscribers": count, "file": name},
    )
    return doc


# --- bulk import (staff) --------------------------------------------------------------------


class ImportRefused(imports.ImportRefused):
    """Some rows are bad: nothing was imported; ``errors`` lists them all (core.imports)."""

    def __init__(self, errors: list[rules.RowError]) -> None:
        super().__init__(CatalogError.IMPORT_INVALID, errors)


LIVE_PATH = [
    ("submit", "提交审核"),
    ("approve", "审核通过"),
    ("start_configuration", "开始数据制作"),
    ("finish_configuration", "数据制作完成"),
    ("go_live", "测试通过上线"),
]


@transaction.atomic
def import_products(*, actor: Any, upload: Any, already_live: bool = False) -> list[Product]:
    """Staff bulk import from the Excel template. Every row is validated first; if any is bad
    nothing is imported (:class:`ImportRefused` carries the per-row errors). Imported products
    are drafts, or — ``already_live``: products already running in the network — active with
    version 1 from now. Each product gets its own audit row."""
    from vasops.catalog import importing

    require(actor, MANAGE_PRODUCT)
    require(actor, REVIEW_PRODUCT)
    sheet = importing.read_sheet(upload)  # a bad file: imports.ImportFileError
    rows, errors = importing.validate(sheet)
    if errors:
        raise ImportRefused(errors)
    now = clock.now()
    created: list[Product] = []
    for row in rows:
        product = Product(
            partner=row.partner,
            business_line=row.business_line,
            name=row.name,
            access_number=row.access_number,
            product_code=row.product_code,
            description=row.description,
            product_type=row.product_type,
            fee_fen=row.fee_fen,
            billing_mode=row.billing_mode,
            created_by=_actor_user(actor),
        )
        if already_live:
            for method, label in LIVE_PATH:
                fsm.transition(product, method, label=label)
            product.submitted_at = product.activated_at = now
        product.save()
        after = _snap(product)
        if already_live:
            version = ProductVersion.objects.create(
                product=product,
                number=1,
                name=product.name,
                description=product.description,
                fee_fen=product.fee_fen,
                billing_mode=product.billing_mode,
                valid_from=now,
            )
            after["version"] = version.number
        audit.record(
            actor=actor,
            action="catalog.product_imported",
            obj=product,
            partner_id=product.partner_id,
            after={**after, "row": row.row, "already_live": already_live},
        )
        created.append(product)
    return created
