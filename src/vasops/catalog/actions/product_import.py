"""Bulk import of products from the Excel template (staff): all rows valid or nothing imported."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy

from vasops.catalog import rules
from vasops.catalog.actions.common import MANAGE_PRODUCT, REVIEW_PRODUCT, actor_user, snap
from vasops.catalog.errors import CatalogError
from vasops.catalog.events import CatalogEvent
from vasops.catalog.models import Product, ProductVersion
from vasops.core import audit, clock, fsm, imports
from vasops.core.permissions import require


class ImportRefused(imports.ImportRefused):
    """Some rows are bad: nothing was imported; ``errors`` lists them all (core.imports)."""

    def __init__(self, errors: list[rules.RowError]) -> None:
        super().__init__(CatalogError.IMPORT_INVALID, errors)


LIVE_PATH = [
    ("submit", gettext_lazy("提交审核")),
    ("approve", gettext_lazy("审核通过")),
    ("start_configuration", gettext_lazy("开始数据制作")),
    ("finish_configuration", gettext_lazy("数据制作完成")),
    ("go_live", gettext_lazy("测试通过上线")),
]


@transaction.atomic(durable=True)
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
            created_by=actor_user(actor),
        )
        if already_live:
            for method, label in LIVE_PATH:
                fsm.transition(product, method, label=label)
            product.submitted_at = product.activated_at = now
        product.save()
        after = snap(product)
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
            action=CatalogEvent.PRODUCT_IMPORTED,
            obj=product,
            partner_id=product.partner_id,
            after={**after, "row": row.row, "already_live": already_live},
        )
        created.append(product)
    return created
