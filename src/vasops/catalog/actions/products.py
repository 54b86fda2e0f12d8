"""Product new 产品新增 (attachment 2): draft, submit, review, configuration, testing, live,
suspension and retirement (seed 3.2, PRM A.10)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext, gettext_lazy

from vasops.catalog import rules
from vasops.catalog.actions.common import (
    MANAGE_PRODUCT,
    REVIEW_PRODUCT,
    notify_partner,
    notify_staff,
    require_member,
    snap,
    store_materials,
)
from vasops.catalog.actions.resources import release_product_resources, take_channel
from vasops.catalog.errors import CatalogError
from vasops.catalog.events import CatalogEvent
from vasops.catalog.models import (
    BillingMode,
    BusinessLine,
    Product,
    ProductTestCase,
    ProductType,
    ProductVersion,
    UnicomProductStatus,
)
from vasops.core import audit, clock, fsm, notify
from vasops.core.errors import CoreError, DomainError, required_message, required_text
from vasops.core.marks import gettext_noop
from vasops.core.permissions import require
from vasops.partners import queries as partner_queries
from vasops.partners.models import Partner
from vasops.workorders import actions as workorder_actions


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
            CatalogError.INVALID_BUSINESS_LINE,
            gettext("业务线“%(line_name)s”已停用。") % {"line_name": line.label},
            field="business_line",
        )
    if billing_mode not in BillingMode.values:
        raise DomainError(
            CatalogError.INVALID_FEE,
            gettext("未知的计费方式“%(billing_mode)s”。") % {"billing_mode": billing_mode},
            field="billing_mode",
        )
    if product_type not in ProductType.values:
        raise DomainError(
            CatalogError.INVALID_BUSINESS_LINE,
            gettext("未知的产品类型“%(product_type)s”。") % {"product_type": product_type},
            field="product_type",
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


def _check_eligible(partner: Partner, line: BusinessLine) -> None:
    """Only partners admitted or active, with valid qualifications and no blocking restriction."""
    if partner.state not in rules.SUBMITTING_PARTNER_STATES:
        raise DomainError(
            CatalogError.PARTNER_NOT_ELIGIBLE,
            gettext("合作伙伴当前状态为“%(state)s”，只有已准入或已开通的合作伙伴可以申报产品。")
            % {"state": partner.get_state_display()},
            status=403,
            clause=rules.CLAUSE_PRODUCT_NEW,
        )
    problems = partner_queries.eligibility_problems(
        partner, clock.today(), business_lines=[line.code, line.name]
    )
    if problems:
        raise DomainError(
            CatalogError.PARTNER_NOT_ELIGIBLE,
            gettext("不能申报产品：%(message)s") % {"message": "；".join(p.message for p in problems)},
            status=403,
            clause=problems[0].clause or rules.CLAUSE_PRODUCT_NEW,
        )


@transaction.atomic(durable=True)
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
    require_member(actor, partner)
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
    store_materials(product, materials, actor=actor, partner_id=partner.pk, kind="product_new")
    audit.record(
        actor=actor,
        action=CatalogEvent.PRODUCT_CREATED,
        obj=product,
        partner_id=partner.pk,
        after=snap(product),
    )
    return product


@transaction.atomic(durable=True)
def update_product(
    product: Product, *, actor: Any, materials: Iterable[UploadedFile] = (), **fields: Any
) -> Product:
    """Edit a draft (new or returned) product."""
    product = Product.objects.select_for_update().get(pk=product.pk)
    require_member(actor, product.partner)
    if product.state != Product.State.DRAFT:
        raise DomainError(
            CoreError.INVALID_TRANSITION,
            gettext("当前状态“%(state)s”下不能修改产品申报资料。") % {"state": product.get_state_display()},
            status=409,
        )
    before = snap(product)
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
    store_materials(product, materials, actor=actor, partner_id=product.partner_id, kind="product_new")
    audit.record(
        actor=actor,
        action=CatalogEvent.PRODUCT_UPDATED,
        obj=product,
        partner_id=product.partner_id,
        before=before,
        after=snap(product),
    )
    return product


@transaction.atomic(durable=True)
def submit_product(product: Product, *, actor: Any) -> Product:
    product = (
        Product.objects.select_for_update().select_related("partner", "business_line").get(pk=product.pk)
    )
    require_member(actor, product.partner)
    _check_eligible(product.partner, product.business_line)
    before = snap(product)
    fsm.transition(product, "submit", label=gettext("提交审核"))
    product.submitted_at = clock.now()
    product.review_reason = ""
    product.save()
    take_channel(product, actor=actor)
    audit.record(
        actor=actor,
        action=CatalogEvent.PRODUCT_SUBMITTED,
        obj=product,
        partner_id=product.partner_id,
        before=before,
        after=snap(product),
    )
    notify_staff(
        notify.text(
            gettext_noop("新产品待审核：%(partner)s · %(product_name)s"),
            partner=product.partner,
            product_name=product.name,
        ),
        gettext_lazy("请在“产品审核”中审核。"),
        product.get_absolute_url(),
    )
    return product


def open_configuration_orders(product: Product, *, actor: Any, title: str, description: str) -> list[Any]:
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


@transaction.atomic(durable=True)
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
    before = snap(product)
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
                CatalogError.PRODUCT_CODE_TAKEN,
                gettext("产品代码 %(code)s 已被使用。") % {"code": code},
                field="product_code",
            )
        fsm.transition(product, "approve", label=gettext("审核通过"))
        product.product_code = code
        product.review_reason = (reason or "").strip()
        fsm.transition(product, "start_configuration", label=gettext("开始数据制作"))
        product.save()
        orders = open_configuration_orders(
            product,
            actor=actor,
            title="产品新增数据制作",
            description=(
                f"合作伙伴：{product.partner}\n接入号：{product.access_number}\n"
                f"资费：{product.fee_fen} 分（{product.get_billing_mode_display()}）"
            ),
        )
        action, subject = (
            CatalogEvent.PRODUCT_APPROVED,
            notify.text(
                gettext_noop("产品“%(product_name)s”审核通过，进入数据制作"), product_name=product.name
            ),
        )
        after = {**snap(product), "work_orders": [o.pk for o in orders]}
    elif decision in ("return", "reject"):
        text = required_text(reason, CatalogError.REASON_REQUIRED, gettext("退回或驳回必须填写原因。"))
        if decision == "return":
            fsm.transition(product, "return_for_revision", label=gettext("退回修改"))
            action, subject = (
                CatalogEvent.PRODUCT_RETURNED,
                notify.text(gettext_noop("产品“%(product_name)s”被退回修改"), product_name=product.name),
            )
        else:
            fsm.transition(product, "reject", label=gettext("驳回"))
            action, subject = (
                CatalogEvent.PRODUCT_REJECTED,
                notify.text(gettext_noop("产品“%(product_name)s”申请被驳回"), product_name=product.name),
            )
            release_product_resources(
                product, actor=actor, reason=notify.text(gettext_noop("产品申请被驳回"))
            )
        product.review_reason = text
        product.save()
        after = snap(product)
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
    notify_partner(product, subject, product.review_reason)
    return product


@transaction.atomic(durable=True)
def finish_configuration(product: Product, *, actor: Any, note: str = "") -> Product:
    """Configuration done on every system → testing, with the default test checklist."""
    require(actor, MANAGE_PRODUCT)
    product = Product.objects.select_for_update().get(pk=product.pk)
    before = snap(product)
    fsm.transition(product, "finish_configuration", label=gettext("数据制作完成"))
    product.save()
    if not product.test_cases.exists():
        ProductTestCase.objects.bulk_create(
            [ProductTestCase(product=product, name=n) for n in rules.DEFAULT_TEST_CASES]
        )
    else:
        product.test_cases.update(passed=None, recorded_by=None, recorded_at=None, note="")
    audit.record(
        actor=actor,
        action=CatalogEvent.CONFIGURATION_FINISHED,
        obj=product,
        partner_id=product.partner_id,
        before=before,
        after=snap(product),
        reason=note,
    )
    notify_partner(
        product,
        notify.text(gettext_noop("产品“%(product_name)s”数据制作完成，进入测试"), product_name=product.name),
    )
    return product


@transaction.atomic(durable=True)
def add_test_case(product: Product, *, actor: Any, name: str) -> ProductTestCase:
    require(actor, MANAGE_PRODUCT)
    if product.state != Product.State.TESTING:
        raise DomainError(
            CoreError.INVALID_TRANSITION, gettext("只有测试中的产品可以增加测试项。"), status=409
        )
    name = (name or "").strip()
    if not name:
        raise DomainError(CoreError.VALIDATION, gettext("请填写测试项名称。"), field="name")
    case = ProductTestCase.objects.create(product=product, name=name[:200])
    audit.record(
        actor=actor,
        action=CatalogEvent.TEST_CASE_ADDED,
        obj=product,
        partner_id=product.partner_id,
        after={"test_case": case.name},
    )
    return case


@transaction.atomic(durable=True)
def record_test_result(case: ProductTestCase, *, actor: Any, passed: bool, note: str = "") -> ProductTestCase:
    require(actor, MANAGE_PRODUCT)
    case = ProductTestCase.objects.select_for_update().select_related("product").get(pk=case.pk)
    if case.product.state != Product.State.TESTING:
        raise DomainError(
            CoreError.INVALID_TRANSITION, gettext("只有测试中的产品可以登记测试结果。"), status=409
        )
    before = {"test_case": case.name, "passed": case.passed}
    case.passed = passed
    case.note = (note or "").strip()[:500]
    case.recorded_by = actor
    case.recorded_at = clock.now()
    case.save()
    audit.record(
        actor=actor,
        action=CatalogEvent.TEST_RESULT_RECORDED,
        obj=case.product,
        partner_id=case.product.partner_id,
        before=before,
        after={"test_case": case.name, "passed": passed, "note": case.note},
    )
    return case


@transaction.atomic(durable=True)
def complete_testing(product: Product, *, actor: Any) -> Product:
    """Every test case passed → active; version 1 (name, description, price) valid from now."""
    require(actor, MANAGE_PRODUCT)
    product = Product.objects.select_for_update().get(pk=product.pk)
    if product.state == Product.State.TESTING:
        problem = rules.tests_problem(list(product.test_cases.values_list("passed", flat=True)))
        if problem:
            raise DomainError(CatalogError.TESTS_NOT_PASSED, problem, status=409)
    before = snap(product)
    fsm.transition(product, "go_live", label=gettext("测试通过上线"))
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
        action=CatalogEvent.PRODUCT_ACTIVATED,
        obj=product,
        partner_id=product.partner_id,
        before=before,
        after={**snap(product), "version": version.number},
    )
    notify_partner(
        product, notify.text(gettext_noop("产品“%(product_name)s”已上线"), product_name=product.name)
    )
    return product


@transaction.atomic(durable=True)
def fail_testing(product: Product, *, actor: Any, reason: str) -> Product:
    """Testing failed → back to configuring (the systems fix their data, then test again)."""
    require(actor, MANAGE_PRODUCT)
    text = required_text(reason, CatalogError.REASON_REQUIRED, gettext("测试不通过必须填写原因。"))
    product = Product.objects.select_for_update().get(pk=product.pk)
    before = snap(product)
    fsm.transition(product, "fail_testing", label=gettext("测试不通过"))
    product.save()
    audit.record(
        actor=actor,
        action=CatalogEvent.TESTING_FAILED,
        obj=product,
        partner_id=product.partner_id,
        before=before,
        after=snap(product),
        reason=text,
    )
    notify_partner(
        product,
        notify.text(
            gettext_noop("产品“%(product_name)s”测试未通过，重新制作数据"), product_name=product.name
        ),
        text,
    )
    return product


@transaction.atomic(durable=True)
def suspend_product(product: Product, *, actor: Any, reason: str, block_port: bool = False) -> Product:
    """Pause a live product: 暂停代收费 (A.10 code 5, existing users continue) or, with
    ``block_port``, 暂停端口 (code 6, nobody may use it)."""
    require(actor, MANAGE_PRODUCT)
    text = required_text(reason, CatalogError.REASON_REQUIRED, gettext("暂停产品必须填写原因。"))
    product = Product.objects.select_for_update().get(pk=product.pk)
    before = snap(product)
    fsm.transition(product, "suspend", label=gettext("暂停"))
    product.unicom_status = (
        UnicomProductStatus.PAUSED_PORT if block_port else UnicomProductStatus.PAUSED_COLLECTION
    )
    product.save()
    audit.record(
        actor=actor,
        action=CatalogEvent.PRODUCT_SUSPENDED,
        obj=product,
        partner_id=product.partner_id,
        before=before,
        after=snap(product),
        reason=text,
    )
    notify_partner(
        product, notify.text(gettext_noop("产品“%(product_name)s”已暂停"), product_name=product.name), text
    )
    return product


@transaction.atomic(durable=True)
def resume_product(product: Product, *, actor: Any, reason: str = "") -> Product:
    require(actor, MANAGE_PRODUCT)
    product = Product.objects.select_for_update().get(pk=product.pk)
    before = snap(product)
    fsm.transition(product, "resume", label=gettext("恢复"))
    product.save()
    audit.record(
        actor=actor,
        action=CatalogEvent.PRODUCT_RESUMED,
        obj=product,
        partner_id=product.partner_id,
        before=before,
        after=snap(product),
        reason=reason,
    )
    notify_partner(
        product, notify.text(gettext_noop("产品“%(product_name)s”已恢复"), product_name=product.name)
    )
    return product


@transaction.atomic(durable=True)
def retire_product(product: Product, *, actor: Any, reason: str) -> Product:
    """下线 (A.10 code 7): the open version ends now; history stays."""
    require(actor, MANAGE_PRODUCT)
    return _retire(product, actor=actor, reason=reason)


@transaction.atomic  # nested: see the docstring
def retire_for_exit(product: Product, *, actor: Any, reason: notify.Message) -> Product:
    """下线 as the consequence of an exit 退出 (compliance's exit act, which checked its own
    permission and ends the subscriptions in the same transaction), so a plain, not durable,
    atomic. A product not live (never opened, already retired) stays as it is."""
    if product.state not in (Product.State.ACTIVE, Product.State.SUSPENDED):
        return product
    return _retire(product, actor=actor, reason=reason)


def _retire(product: Product, *, actor: Any, reason: notify.Message) -> Product:
    text = required_message(reason, CatalogError.REASON_REQUIRED, gettext("产品下线必须填写原因。"))
    product = Product.objects.select_for_update().get(pk=product.pk)
    before = snap(product)
    fsm.transition(product, "retire", label=gettext("下线"))
    product.save()
    release_product_resources(product, actor=actor, reason=notify.text(gettext_noop("产品下线")))
    now = clock.now()
    product.versions.filter(valid_to__isnull=True, valid_from__lte=now).update(valid_to=now)
    audit.record(
        actor=actor,
        action=CatalogEvent.PRODUCT_RETIRED,
        obj=product,
        partner_id=product.partner_id,
        before=before,
        after=snap(product),
        reason=text,
    )
    notify_partner(
        product, notify.text(gettext_noop("产品“%(product_name)s”已下线"), product_name=product.name), text
    )
    return product
