"""Product change 产品变更 (attachment 3): request, review, versions from the effective date, and
the sweep that applies due changes (seed 3.3)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext, gettext_lazy

from vasops.catalog import queries, rules
from vasops.catalog.actions.common import (
    REVIEW_CHANGE,
    REVIEW_PRODUCT,
    notify_staff,
    require_member,
    snap,
    store_materials,
)
from vasops.catalog.actions.fee_notice import produce_fee_notice
from vasops.catalog.actions.products import open_configuration_orders
from vasops.catalog.errors import CatalogError
from vasops.catalog.events import CatalogEvent
from vasops.catalog.models import Product, ProductChangeRequest, ProductVersion
from vasops.core import audit, clock, fsm, notify
from vasops.core.errors import DomainError, required_text
from vasops.core.marks import gettext_noop
from vasops.core.permissions import require
from vasops.partners import queries as partner_queries

CHANGE_FIELDS = ["name", "description", "fee_fen", "effective_on", "review_path", "state", "review_reason"]


@transaction.atomic(durable=True)
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
    require_member(actor, product.partner)
    if product.state not in (Product.State.ACTIVE, Product.State.SUSPENDED):
        raise DomainError(
            CatalogError.PRODUCT_NOT_ACTIVE,
            gettext("只有已上线（或暂停中）的产品可以申请变更。"),
            status=409,
            clause=rules.CLAUSE_PRODUCT_CHANGE,
        )
    if queries.pending_change(product) is not None:
        raise DomainError(
            CatalogError.CHANGE_PENDING,
            gettext("该产品已有一个未生效的变更申请，请等它处理完毕。"),
            status=409,
        )
    name, description = name.strip(), description.strip()
    if name == product.name and description == product.description and fee_fen == product.fee_fen:
        raise DomainError(CatalogError.NOTHING_CHANGED, gettext("产品名称、描述和资费都没有变化。"))
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
    store_materials(change, materials, actor=actor, partner_id=product.partner_id, kind="product_change")
    audit.record(
        actor=actor,
        action=CatalogEvent.CHANGE_REQUESTED,
        obj=change,
        partner_id=product.partner_id,
        after=audit.snapshot(change, CHANGE_FIELDS),
    )
    audit.record(
        actor=actor,
        action=CatalogEvent.CHANGE_REQUESTED,
        obj=product,
        partner_id=product.partner_id,
        after={"change_request": change.pk},
    )
    notify_staff(
        notify.text(
            gettext_noop("产品变更待审核：%(partner)s · %(product_name)s"),
            partner=product.partner,
            product_name=product.name,
        ),
        gettext_lazy("资费上调，按产品新增流程审核。") if path == rules.PATH_FULL else "",
        change.get_absolute_url(),
    )
    return change


@transaction.atomic(durable=True)
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
                gettext("%(problem)s请退回合作伙伴重新确定生效日期。") % {"problem": problem},
                clause=rules.CLAUSE_PRODUCT_CHANGE,
            )
        fsm.transition(change, "approve", label=gettext("批准变更"))
        version = _schedule_version(product, change)
        extra["version"] = version.number
        if change.needs_full_review:
            orders = open_configuration_orders(
                product,
                actor=actor,
                title="产品资费变更数据制作",
                description=(
                    f"资费 {change.old_fee_fen} 分 → {change.fee_fen} 分，{change.effective_on:%Y-%m-%d} 生效"
                ),
            )
            extra["work_orders"] = [o.pk for o in orders]
        action, subject = (
            CatalogEvent.CHANGE_APPROVED,
            notify.text(
                gettext_noop("产品“%(product_name)s”的变更已批准，%(effective_on)s 生效"),
                product_name=product.name,
                effective_on=format(change.effective_on, "%Y-%m-%d"),
            ),
        )
    elif decision in ("return", "reject"):
        text = required_text(reason, CatalogError.REASON_REQUIRED, gettext("退回或驳回必须填写原因。"))
        if decision == "return":
            fsm.transition(change, "return_for_revision", label=gettext("退回"))
            action, subject = (
                CatalogEvent.CHANGE_RETURNED,
                notify.text(
                    gettext_noop("产品“%(product_name)s”的变更申请被退回"), product_name=product.name
                ),
            )
        else:
            fsm.transition(change, "reject", label=gettext("驳回"))
            action, subject = (
                CatalogEvent.CHANGE_REJECTED,
                notify.text(
                    gettext_noop("产品“%(product_name)s”的变更申请被驳回"), product_name=product.name
                ),
            )
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
        raise DomainError(CatalogError.NO_VERSION, gettext("该产品没有生效中的版本，不能变更。"), status=409)
    later = [v for v in versions if v.valid_from >= start]
    if later:
        raise DomainError(
            CatalogError.VERSION_OVERLAP,
            gettext("%(valid_from)s 起已有版本 v%(number)s，新版本的有效期不能与之重叠。")
            % {
                "valid_from": format(later[0].valid_from.astimezone(clock.SHANGHAI), "%Y-%m-%d"),
                "number": later[0].number,
            },
            status=409,
        )
    current = versions[-1]
    if current.valid_to is not None and current.valid_to <= start:
        raise DomainError(
            CatalogError.NO_VERSION, gettext("该产品在生效日期已无有效版本（已下线）。"), status=409
        )
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


@transaction.atomic(durable=True)
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
        before = snap(product)
        fsm.transition(change, "take_effect", label=gettext("生效"))
        change.save()
        product.name, product.description, product.fee_fen = change.name, change.description, change.fee_fen
        product.save()
        if change.fee_fen != change.old_fee_fen:
            produce_fee_notice(change, product, actor=actor)
        audit.record(
            actor=actor,
            action=CatalogEvent.CHANGE_APPLIED,
            obj=change,
            partner_id=change.partner_id,
            after={"state": change.state},
        )
        audit.record(
            actor=actor,
            action=CatalogEvent.CHANGE_APPLIED,
            obj=product,
            partner_id=product.partner_id,
            before=before,
            after=snap(product),
        )
        n += 1
    return n
