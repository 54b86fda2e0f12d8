"""The fee-change notification file for the SMS platform (written when a fee change takes effect)."""

from __future__ import annotations

import hashlib
import tempfile
import uuid
from typing import Any

from django.core.files import File

from vasops.catalog import hooks
from vasops.catalog.actions.common import actor_user
from vasops.catalog.events import CatalogEvent
from vasops.catalog.models import Product, ProductChangeRequest
from vasops.core import audit
from vasops.core.models import Document
from vasops.core.rules import format_fen

FEE_NOTICE_HEADER = ["MSISDN", "产品代码", "原资费（元）", "新资费（元）", "生效日期"]


def _yuan(fen: int) -> str:
    return format_fen(fen).replace(",", "")


def produce_fee_notice(change: ProductChangeRequest, product: Product, *, actor: Any) -> Document:
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
            uploaded_by=actor_user(actor),
        )
        doc.file.save(f"{uuid.uuid4().hex}.csv", File(tmp), save=False)
        doc.save()
    ProductChangeRequest.objects.filter(pk=change.pk).update(notification_file=doc)
    change.notification_file = doc
    audit.record(
        actor=actor,
        action=CatalogEvent.FEE_NOTICE_PRODUCED,
        obj=change,
        partner_id=change.partner_id,
        after={"document": str(doc.uuid), "subscribers": count, "file": name},
    )
    return doc
