"""The per-line applier: each record through :mod:`vasops.vac.actions` (actor ``"crm"``)."""

from __future__ import annotations

import datetime as dt

from vasops.core.errors import DomainError
from vasops.vac import actions
from vasops.vac.crm.common import (
    ACTOR,
    CLOSE_ACCOUNT,
    OPEN_ACCOUNT,
    SUBSCRIBE,
    UPDATE_TYPES,
    Failure,
    _msisdn,
    _Products,
    _reason,
    refusal,
)
from vasops.vac.errors import VacRefused
from vasops.vac.models import CrmBatchFile
from vasops.vac.protocol import crm_batch
from vasops.vac.protocol.codes import ResultCode
from vasops.vac.protocol.crm_batch import BatchRecord, BatchRow


def _apply_with_actions(
    batch: CrmBatchFile, rows: list[BatchRow], products: _Products, now: dt.datetime
) -> list[Failure]:
    failures: list[Failure] = []
    for row in rows:
        record = crm_batch.parse_line(row.line_no, row.raw, UPDATE_TYPES)
        assert isinstance(record, BatchRecord), record  # the reader accepted the line
        try:
            _apply_one(batch, record, products, now)
        except VacRefused as exc:
            code, reason = refusal(exc.result_code)
            failures.append((row, code, reason))
        except DomainError as exc:
            failures.append((row, "500", exc.full_message[:200]))
    return failures


def _apply_one(batch: CrmBatchFile, record: BatchRecord, products: _Products, now: dt.datetime) -> None:
    msisdn = _msisdn(record)
    if isinstance(msisdn, ResultCode):
        raise VacRefused(msisdn)
    op = record.request.update_type
    if op == OPEN_ACCOUNT:
        actions.open_account(actor=ACTOR, msisdn=msisdn, now=now)
        return
    if op == CLOSE_ACCOUNT:
        actions.close_account(actor=ACTOR, msisdn=msisdn, now=now, by_file=True)
        return
    info = products.get(record.request.sp_id, record.request.product_id)
    if isinstance(info, ResultCode):
        raise VacRefused(info)
    if op == SUBSCRIBE:
        actions.subscribe(
            actor=ACTOR,
            msisdn=msisdn,
            product=info.product,
            channel="crm",
            link_id=record.request.link_id,
            now=now,
            by_file=True,
        )
    else:
        actions.unsubscribe(
            actor=ACTOR, msisdn=msisdn, product=info.product, reason=_reason(batch), now=now, by_file=True
        )
