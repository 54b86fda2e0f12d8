"""The VAC → CRM exception file (VAC 业务规范 4.1.1.6 "VAC与CRM间异常处理文件方式").

The business spec gives only the title; VAC.md C.3 recommends the C.1/C.2 file family for every
CRM file (our design [I], like the CRM → VAC batch files): VAC syncs every order made on the VAS
side (SMS, WAP, IVR, portals, blocks) to CRM in real time (OrderConfirmReq, C.3), and what did
not reach CRM that way is handed over in this file, one per day. vasops has no real-time link to
CRM, so the file holds **every** VAS-side change of the day:

* GBK, the C.1 request header (105 bytes: sequence, ``00000``, creation time, ``902``, first and
  last record time, record count, reserve), then one line per change with the 15 fields of B.3
  (TAB-separated); ``updateType`` as in OrderConfirmReq (C.3): 1 subscribed, 2 cancelled,
  7 capability blocked, 8 restored (spId and productId ``00000``, serviceType the scope); ``userId``
  ``86`` + 11 digits; ``updateDesc`` says what happened in words.
* Name ``VAC2CRM`` + the data day ``yyyymmdd`` + sequence ``nnnn`` + ``.req`` in
  ``<VASOPS_CRM_OUTBOX>/request/``; CRM's receipt, same stem + ``.rsp`` in
  ``response/right|bad|semiwrong`` (the C.1 receipt), is read back and archived.
* Changes made by CRM itself (actor ``crm``: its messages and batch files) are not in it.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.db import transaction

from vasops.core import clock
from vasops.vac import rules
from vasops.vac.crm.common import ACTOR
from vasops.vac.models import CrmExceptionFile, SubscriptionHistory, UserBlock
from vasops.vac.msisdn import COUNTRY_CODE
from vasops.vac.protocol import soap
from vasops.vac.protocol import sync_files as codec

log = logging.getLogger("vasops.vac.crm")
SHANGHAI = rules.SHANGHAI
BLOCKED, RESTORED = 7, 8  # OrderConfirmReq UpdateType (VAC.md C.3)
_EVENTS = {"activated": 1, "unsubscribed": 2, "blocked": 2}
_WORDS = {"activated": "用户订购", "unsubscribed": "用户退订", "blocked": "屏蔽业务能力时退订"}


def outbox_dir() -> Path:
    return Path(getattr(settings, "VASOPS_CRM_OUTBOX", settings.VAR_DIR / "crm" / "outbox"))


def _stamp(when: dt.datetime | None, fmt: str = "%Y%m%d%H%M%S") -> str:
    return when.astimezone(SHANGHAI).strftime(fmt) if when else ""


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, dt.time(), tzinfo=SHANGHAI)
    return start, start + dt.timedelta(days=1)


def records(day: dt.date) -> Iterator[soap.NotifyRequest]:
    """The VAS-side changes of the Beijing day ``day``, in time order."""
    start, end = day_bounds(day)
    rows = (
        SubscriptionHistory.objects.filter(at__gte=start, at__lt=end, event__in=list(_EVENTS))
        .exclude(actor_label=ACTOR)
        .order_by("at", "id")
        .values_list(
            "id",
            "event",
            "at",
            "subscription__msisdn",
            "subscription__link_id",
            "subscription__effective_at",
            "subscription__expiry_at",
            "subscription__product__product_code",
            "subscription__product__business_line__service_type",
            "subscription__partner__enterprise_code",
        )
    )
    changes: list[tuple[dt.datetime, int, soap.NotifyRequest]] = []
    for hid, event, at, msisdn, link, effective, expiry, code, stype, sp in rows.iterator(chunk_size=2000):
        ended = event != "activated"
        changes.append(
            (
                at,
                hid,
                soap.NotifyRequest(
                    record_sequence_id=f"{_stamp(at, '%y%m%d')}{hid:012d}",
                    user_id=COUNTRY_CODE + msisdn,
                    service_type=stype or "",
                    sp_id=sp or "",
                    product_id=code or "",
                    update_type=_EVENTS[event],
                    update_time=_stamp(at),
                    update_desc=_WORDS[event],
                    link_id=(link or "")[:20],
                    effective_date=_stamp(effective),
                    expire_date=_stamp(expiry) if ended and expiry else rules.FAR_FUTURE,
                    time_stamp=_stamp(at, "%m%d%H%M%S"),
                ),
            )
        )
    blocks = UserBlock.objects.filter(blocked_at__gte=start, blocked_at__lt=end).values_list(
        "id", "msisdn", "service_type", "blocked_at"
    )
    restores = UserBlock.objects.filter(restored_at__gte=start, restored_at__lt=end).values_list(
        "id", "msisdn", "service_type", "restored_at"
    )
    for kind, rows_ in ((BLOCKED, blocks), (RESTORED, restores)):
        for bid, msisdn, stype, when in rows_:
            assert when is not None
            changes.append(
                (
                    when,
                    bid,
                    soap.NotifyRequest(
                        record_sequence_id=f"{_stamp(when, '%y%m%d')}{kind}{bid:011d}",
                        user_id=COUNTRY_CODE + msisdn,
                        service_type=stype,
                        sp_id="00000",
                        product_id="00000",
                        update_type=kind,
                        update_time=_stamp(when),
                        update_desc="屏蔽业务能力" if kind == BLOCKED else "恢复业务能力",
                        time_stamp=_stamp(when, "%m%d%H%M%S"),
                    ),
                )
            )
    changes.sort(key=lambda item: (item[0], item[1]))
    for _at, _id, request in changes:
        yield request


def file_name(day: dt.date, sequence: int, suffix: str = "req") -> str:
    return f"VAC2CRM{day:%Y%m%d}{sequence:04d}.{suffix}"


@transaction.atomic
def generate(
    day: dt.date, *, now: dt.datetime | None = None, limit: int = codec.MAX_RECORDS
) -> list[CrmExceptionFile]:
    """The exception file(s) of ``day`` (none when it has them already, or had no change)."""
    if CrmExceptionFile.objects.select_for_update().filter(day=day).exists():
        return []
    now = now or clock.now()
    folder = outbox_dir() / "request"
    made: list[CrmExceptionFile] = []
    written: list[Path] = []
    try:
        batch: list[soap.NotifyRequest] = []
        for request in records(day):
            batch.append(request)
            if len(batch) >= limit:
                made.append(_write(folder, day, len(made) + 1, batch, now, written))
                batch = []
        if batch:
            made.append(_write(folder, day, len(made) + 1, batch, now, written))
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return made


def _write(
    folder: Path,
    day: dt.date,
    part: int,
    batch: list[soap.NotifyRequest],
    now: dt.datetime,
    written: list[Path],
) -> CrmExceptionFile:
    name = file_name(day, part)
    folder.mkdir(parents=True, exist_ok=True)
    final, tmp = folder / name, folder / f".{name}.part"
    header = codec.SyncHeader(
        sequence=part,
        created_at=_stamp(now),
        first_record_time=batch[0].update_time,
        last_record_time=batch[-1].update_time,
        record_count=len(batch),
    )
    with open(tmp, "wb") as fh:
        fh.write(codec.format_header(header))
        for request in batch:
            fh.write(codec.format_record(request))
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, final)
    written.append(final)
    return CrmExceptionFile.objects.create(
        day=day,
        part=part,
        sequence=f"{part:04d}",
        name=name,
        path=str(final.relative_to(outbox_dir())),
        records=len(batch),
        size=final.stat().st_size,
        created_at=now,
    )


_STATE_OF = {
    codec.Box.RIGHT: CrmExceptionFile.State.CONFIRMED,
    codec.Box.BAD: CrmExceptionFile.State.REFUSED,
    codec.Box.SEMIWRONG: CrmExceptionFile.State.PARTIAL,
}


def read_receipts(*, now: dt.datetime | None = None) -> int:
    """CRM's receipts in ``response/right|bad|semiwrong``: recorded on their file, then moved to
    ``archive/``. A receipt that names no file of ours, or cannot be read, stays and is logged."""
    now = now or clock.now()
    root = outbox_dir()
    count = 0
    for box in (codec.Box.RIGHT, codec.Box.BAD, codec.Box.SEMIWRONG):
        folder = root / "response" / box.value
        if not folder.is_dir():
            continue
        for path in sorted(p for p in folder.iterdir() if p.suffix == ".rsp"):
            row = CrmExceptionFile.objects.filter(name=path.stem + ".req").first()
            try:
                receipt = codec.parse_receipt(path.read_bytes(), box)
            except ValueError as exc:
                log.warning("vac → crm receipt %s unreadable: %s", path, exc)
                continue
            if row is None:
                log.warning("vac → crm receipt %s names no file of ours", path)
                continue
            row.state = _STATE_OF[box]
            row.error_code = receipt.error_code[:40]
            row.failing_ids = list(receipt.failing)
            row.receipt_at = now
            row.save(update_fields=["state", "error_code", "failing_ids", "receipt_at"])
            archive = root / "archive" / box.value
            archive.mkdir(parents=True, exist_ok=True)
            shutil.move(str(path), archive / path.name)
            count += 1
    return count


def sweep(*, now: dt.datetime | None = None) -> int:
    """After 01:00 Beijing: yesterday's file if missing; and every receipt. Returns files made."""
    now = now or clock.now()
    local = now.astimezone(SHANGHAI)
    made = 0
    if local.hour >= 1:
        made = len(generate(local.date() - dt.timedelta(days=1), now=now))
    read_receipts(now=now)
    return made
