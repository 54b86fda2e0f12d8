"""Helpers shared by the catalogue's actions: permissions, membership, audit snapshots, notices."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext

from vasops.catalog.models import Product
from vasops.core import audit, documents, notify
from vasops.core.errors import PermissionDenied
from vasops.partners import queries as partner_queries
from vasops.partners.models import Partner

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


def authenticated(actor: Any) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(gettext("请先登录。"))


def require_member(actor: Any, partner: Partner) -> None:
    """The actor belongs to ``partner``, or is staff holding catalog.manage_product."""
    authenticated(actor)
    if actor.has_perm(MANAGE_PRODUCT):
        return
    own = partner_queries.partner_of(actor)
    if own is None or own.pk != partner.pk:
        raise PermissionDenied(gettext("您不属于该合作伙伴，不能办理其产品业务。"))


def snap(product: Product) -> dict[str, Any]:
    return audit.snapshot(product, PRODUCT_FIELDS)


def notify_partner(product: Product, subject: notify.Message, body: notify.Message = "") -> None:
    notify.send(
        partner_queries.partner_users(product.partner),
        subject=subject,
        body=body,
        url=product.get_absolute_url(),
    )


def notify_staff(subject: notify.Message, body: notify.Message, url: str) -> None:
    notify.send(partner_queries.product_staff_users(), subject=subject, body=body, url=url)


def store_materials(
    obj: Any, uploads: Iterable[UploadedFile], *, actor: Any, partner_id: int, kind: str
) -> None:
    for upload in uploads:
        obj.materials.add(
            documents.store(upload, actor=actor, partner_id=partner_id, kind=kind, field="materials")
        )


def actor_user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None
