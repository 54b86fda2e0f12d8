"""Shared by the CRM batch appliers: constants, the C.2 line codes of refusals, the products a
file names (read once per run) and the directories."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from vasops.catalog.models import Product
from vasops.catalog.queries import effective_status, version_at
from vasops.core.errors import NotFound
from vasops.partners.models import Partner
from vasops.vac import rules
from vasops.vac.models import CrmBatchFile
from vasops.vac.protocol.codes import ResultCode
from vasops.vac.protocol.crm_batch import BatchRecord, BatchRow
from vasops.vac.protocol.soap import UserIdType

logger = logging.getLogger("vasops.vac.crm")
ACTOR = "crm"
SUBSCRIBE, UNSUBSCRIBE, OPEN_ACCOUNT, CLOSE_ACCOUNT = 1, 2, 10, 11
UPDATE_TYPES = frozenset({SUBSCRIBE, UNSUBSCRIBE, OPEN_ACCOUNT, CLOSE_ACCOUNT})
CHUNK_LINES = 20_000  # lines per committed transaction, set-based
ACTIONS_CHUNK_LINES = 1_000  # … per-line actions (a transaction of the same few seconds)
COMMITTERS = 2  # connections committing chunks in turn (see _commit_pipelined)
PIPELINE_BYTES = 4 << 20  # a smaller file (a console upload) is applied by the calling thread
AWAIT_PRIOR = dt.timedelta(minutes=2)
STALE_AFTER = dt.timedelta(minutes=5)
KIND_SOURCE = "vac_crm_batch"
KIND_EXCEPTION = "vac_crm_exception"

# a refused record's C.2 line code: 500 + the index of the field the refusal is about
_LINE_CODE: dict[ResultCode, str] = {
    ResultCode.USER_ID_INVALID: "503",
    ResultCode.MSISDN_INVALID: "503",
    ResultCode.SUBSCRIBER_NOT_FOUND: "503",
    ResultCode.CAPABILITY_BLOCKED: "503",
    ResultCode.SP_NOT_FOUND: "505",
    ResultCode.SP_STATUS_ABNORMAL: "505",
    ResultCode.SERVICE_NOT_FOUND: "506",
    ResultCode.SERVICE_NOT_OPEN: "506",
    ResultCode.SERVICE_NOT_ORDERABLE: "506",
    ResultCode.ALREADY_SUBSCRIBED: "507",
    ResultCode.NOT_SUBSCRIBED: "507",
    ResultCode.SUBSCRIPTION_ABNORMAL: "507",
}


class SimulatedCrash(RuntimeError):
    """Raised by :func:`apply` after ``crash_after_chunks`` commits (tests, benchmarks)."""


def inbox_dir() -> Path:
    return Path(getattr(settings, "VASOPS_CRM_INBOX", settings.VAR_DIR / "crm" / "inbox"))


def work_dir() -> Path:
    path = Path(getattr(settings, "VASOPS_CRM_WORK", settings.VAR_DIR / "crm" / "work"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def refusal(code: ResultCode) -> tuple[str, str]:
    """(C.2 line code, reason) of a record refused with the A.9 ``code``."""
    return _LINE_CODE.get(code, "500"), f"结果码 {int(code)}：{code.zh}"


# ------------------------------------------------------------------------------ resolving ---


@dataclass(slots=True)
class ProductInfo:
    product: Product
    level: str
    level_source: str
    billing_mode: str
    price_fen: int
    service_type: str
    id: int = 0  # product.pk, product.partner_id: read once (a model's pk is a property)
    partner_id: int = 0


class _Products:
    """(spId, productId) → product facts, or the refusal code; read once per run."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now
        self._cache: dict[tuple[str, str], ProductInfo | ResultCode] = {}

    def get(self, sp_id: str, product_id: str) -> ProductInfo | ResultCode:
        key = (sp_id, product_id)
        if key not in self._cache:
            self._cache[key] = self._load(sp_id, product_id)
        return self._cache[key]

    def _load(self, sp_id: str, product_id: str) -> ProductInfo | ResultCode:
        product = (
            Product.objects.select_related("partner", "business_line")
            .filter(partner__enterprise_code=sp_id, product_code=product_id)
            .first()
        )
        if product is None:
            if not Partner.objects.filter(enterprise_code=sp_id).exists():
                return ResultCode.SP_NOT_FOUND
            return ResultCode.SERVICE_NOT_FOUND
        status = effective_status(product)
        try:
            version = version_at(product, self.now)
            price, mode, level = version.fee_fen, version.billing_mode, status.level
        except NotFound:
            price, mode, level = 0, product.billing_mode, "not_live"
        service_type = product.business_line.service_type
        return ProductInfo(
            product, level, status.source, mode, price, service_type, product.pk, product.partner_id
        )


def _msisdn(record: BatchRecord) -> str | ResultCode:
    if record.request.user_id_type != UserIdType.MSISDN:
        return ResultCode.USER_ID_INVALID
    value = record.msisdn
    return value[2:] if value else ResultCode.MSISDN_INVALID


def _reason(batch: CrmBatchFile) -> str:
    return f"CRM 批量文件 {batch.name}"[:255]


Failure = tuple[BatchRow, str, str]  # the refused line, its C.2 code, the reason


def _stamp(when: dt.datetime | None, fmt: str = "%Y%m%d%H%M%S") -> str:
    return when.astimezone(rules.SHANGHAI).strftime(fmt) if when else ""
