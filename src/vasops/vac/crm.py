"""CRM batch order files (VAC.md C.3, our [I] design on the C.1/C.2 family): receive once, apply
every record, write every line that cannot be applied to the exception (receipt) file.

* :func:`ingest` stores a file (console upload or ``settings.VASOPS_CRM_INBOX``) while hashing it;
  the same content (sha256) or the same file name + header sequence is received only once, so a
  re-sent file changes nothing twice.
* :func:`apply` streams the stored file with :class:`~vasops.vac.protocol.crm_batch.BatchReader`
  and commits every ``chunk_lines`` lines in one transaction together with the byte offset after
  the last committed line, the counters and the exception file's length: a crash resumes from
  the last committed chunk (:func:`apply` with ``resume=True`` or :func:`sweep`).
* Two appliers give the same result: ``mode="actions"`` calls :mod:`vasops.vac.actions` for each
  record (actor ``"crm"``); ``mode="bulk"`` (the default) reads the chunk's state in three
  queries, takes the **same** :func:`vasops.vac.rules.decide` decisions in memory in line order and
  writes the rows set-based (COPY on PostgreSQL, ``bulk_create`` elsewhere). A chunk the bulk path
  cannot take (an account record, a concurrent insert) is re-done with the actions.

Record update types: ``1`` subscribe, ``2`` unsubscribe (C.3); ``10`` open account 开户 and ``11``
close account 销户 (ours [I]: spId/productId ``00000``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, connection, transaction
from django.db.models import CharField, F, Value
from django.db.models.functions import Cast, Concat, LPad

from vasops.catalog.models import Product
from vasops.catalog.queries import effective_status, version_at
from vasops.core import audit, clock
from vasops.core.errors import DomainError, NotFound
from vasops.core.models import Document
from vasops.partners.models import Partner
from vasops.vac import actions, rules
from vasops.vac.errors import VacRefused
from vasops.vac.models import (
    LIVE_STATES,
    Account,
    CrmBatchFile,
    NotifyOutbox,
    Subscription,
    SubscriptionHistory,
    UsageRecord,
    UserBlock,
)
from vasops.vac.protocol import crm_batch
from vasops.vac.protocol.codes import ResultCode
from vasops.vac.protocol.crm_batch import BatchLineError, BatchReader, BatchRecord, ErrorKind
from vasops.vac.protocol.soap import UpdateType, UserIdType

ACTOR = "crm"
SUBSCRIBE, UNSUBSCRIBE, OPEN_ACCOUNT, CLOSE_ACCOUNT = 1, 2, 10, 11
UPDATE_TYPES = frozenset({SUBSCRIBE, UNSUBSCRIBE, OPEN_ACCOUNT, CLOSE_ACCOUNT})
CHUNK_LINES = 1000
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


# ------------------------------------------------------------------------------ receiving ---


def _header_of(first_line: bytes) -> crm_batch.BatchHeader | None:
    reader = BatchReader(io.BytesIO(first_line))
    for _item in reader:
        break
    return reader.header


def ingest(
    stream: IO[bytes], *, name: str, actor: Any = ACTOR, origin: str = "upload"
) -> tuple[CrmBatchFile, bool]:
    """Store a batch file (streamed, hashed on the way). Returns ``(batch, created)``; a file
    already received (same sha256, or same name + header sequence) is returned with False."""
    name = Path(name).name[:255] or "crm-batch.txt"
    digest = hashlib.sha256()
    size = 0
    first = b""
    with tempfile.NamedTemporaryFile(dir=work_dir(), delete=False) as tmp:
        while chunk := stream.read(1 << 20):
            if not first:
                first = chunk.split(b"\n", 1)[0] + b"\n"
            digest.update(chunk)
            size += len(chunk)
            tmp.write(chunk)
    try:
        header = _header_of(first) if first else None
        sequence = header.sequence if header else ""
        sha = digest.hexdigest()
        existing = _existing(sha, name, sequence)
        if existing is not None:
            return existing, False
        try:
            with transaction.atomic():
                now = clock.now()
                doc = Document(
                    original_name=name,
                    content_type="text/plain",
                    size=size,
                    sha256=sha,
                    kind=KIND_SOURCE,
                    uploaded_by=actor if getattr(actor, "pk", None) else None,
                )
                with open(tmp.name, "rb") as fh:
                    doc.file.save(f"{sha[:16]}-{now:%Y%m%d%H%M%S}.txt", File(fh), save=False)
                doc.save()
                batch = CrmBatchFile.objects.create(
                    name=name,
                    sequence=sequence,
                    sha256=sha,
                    size=size,
                    source=doc,
                    origin=origin,
                    lines_expected=header.record_count if header else 0,
                    uploaded_by=actor if getattr(actor, "pk", None) else None,
                    created_at=now,
                )
                if getattr(actor, "pk", None):
                    audit.record(
                        actor=actor,
                        action="vac.crm_batch_received",
                        obj=batch,
                        after={"name": name, "sha256": sha, "size": size},
                    )
        except IntegrityError:
            existing = _existing(sha, name, sequence)
            if existing is None:
                raise
            return existing, False
        return batch, True
    finally:
        os.unlink(tmp.name)


def _existing(sha: str, name: str, sequence: str) -> CrmBatchFile | None:
    found = CrmBatchFile.objects.filter(sha256=sha).first()
    if found is None and sequence:
        found = CrmBatchFile.objects.filter(name=name, sequence=sequence).first()
    return found


# ------------------------------------------------------------------------------ resolving ---


@dataclass(slots=True)
class ProductInfo:
    product: Product
    level: str
    level_source: str
    billing_mode: str
    price_fen: int
    service_type: str


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
        return ProductInfo(product, level, status.source, mode, price, product.business_line.service_type)


def _msisdn(record: BatchRecord) -> str | ResultCode:
    if record.request.user_id_type != UserIdType.MSISDN:
        return ResultCode.USER_ID_INVALID
    value = record.msisdn
    return value[2:] if value else ResultCode.MSISDN_INVALID


def _reason(batch: CrmBatchFile) -> str:
    return f"CRM 批量文件 {batch.name}"[:255]


# ------------------------------------------------------------------- per-line (actions) path ---

Failure = tuple[BatchLineError | BatchRecord, str, str]  # item, C.2 code, reason


def _apply_with_actions(
    batch: CrmBatchFile, items: list[BatchRecord], products: _Products, now: dt.datetime
) -> list[Failure]:
    failures: list[Failure] = []
    for record in items:
        try:
            _apply_one(batch, record, products, now)
        except VacRefused as exc:
            code, reason = refusal(exc.result_code)
            failures.append((record, code, reason))
        except DomainError as exc:
            failures.append((record, "500", exc.full_message[:200]))
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
        actions.close_account(actor=ACTOR, msisdn=msisdn, now=now)
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
        )
    else:
        actions.unsubscribe(actor=ACTOR, msisdn=msisdn, product=info.product, reason=_reason(batch), now=now)


# ------------------------------------------------------------------------ set-based path ---


@dataclass(slots=True)
class _Sub:
    """A relation as the chunk sees it (an existing row, or one the chunk creates)."""

    id: int | None
    msisdn: str
    product_id: int
    partner_id: int
    state: str
    channel: str
    link_id: str
    requested_at: dt.datetime
    effective_at: dt.datetime | None
    expiry_at: dt.datetime | None
    last_charged_month: str
    new: bool = False
    changed: bool = False


@dataclass
class _Writes:
    subs: list[_Sub] = field(default_factory=list)
    changed: list[_Sub] = field(default_factory=list)
    history: list[tuple[_Sub, str, str, str, str]] = field(
        default_factory=list
    )  # sub, event, from, to, reason
    usage: list[tuple[_Sub, str, int, ProductInfo]] = field(default_factory=list)  # sub, month, fee
    outbox: list[tuple[_Sub, ProductInfo, int, str]] = field(default_factory=list)  # sub, info, type, desc


class NeedsActions(Exception):
    """The chunk holds something the set-based path does not do (account records)."""


def _apply_bulk(
    batch: CrmBatchFile, items: list[BatchRecord], products: _Products, now: dt.datetime
) -> list[Failure]:
    if any(r.request.update_type not in (SUBSCRIBE, UNSUBSCRIBE) for r in items):
        raise NeedsActions
    failures: list[Failure] = []
    todo: list[tuple[BatchRecord, str, ProductInfo]] = []
    for record in items:
        msisdn = _msisdn(record)
        info = products.get(record.request.sp_id, record.request.product_id)
        bad = msisdn if isinstance(msisdn, ResultCode) else info if isinstance(info, ResultCode) else None
        if bad is not None:
            failures.append((record, *refusal(bad)))
            continue
        assert isinstance(msisdn, str) and isinstance(info, ProductInfo)
        todo.append((record, msisdn, info))
    msisdns = {m for _r, m, _i in todo}
    live: dict[tuple[str, int], _Sub] = {}
    rows = (
        Subscription.objects.select_for_update()
        .filter(msisdn__in=msisdns, state__in=LIVE_STATES)
        .values_list(
            "id",
            "msisdn",
            "product_id",
            "partner_id",
            "state",
            "channel",
            "link_id",
            "requested_at",
            "effective_at",
            "expiry_at",
            "last_charged_month",
        )
    )
    for row in rows:
        live[(row[1], row[2])] = _Sub(*row)
    closed = set(
        Account.objects.filter(msisdn__in=msisdns, state=Account.State.CLOSED).values_list(
            "msisdn", flat=True
        )
    )
    blocks = set(
        UserBlock.objects.filter(msisdn__in=msisdns, state=UserBlock.State.BLOCKED).values_list(
            "msisdn", "service_type"
        )
    )
    interval = actions.confirm_interval()
    month = rules.month_key(now)
    reason = _reason(batch)
    w = _Writes()
    for record, msisdn, info in todo:
        pid = info.product.pk
        sub = live.get((msisdn, pid))
        facts = rules.Facts(
            now=now,
            level=info.level,
            level_source=info.level_source,
            billing_mode=info.billing_mode,
            price_fen=info.price_fen,
            channel="crm" if record.request.update_type == SUBSCRIBE else "sms",
            account_closed=msisdn in closed,
            user_blocked=(msisdn, "00") in blocks or (msisdn, info.service_type) in blocks,
            subscription_state=sub.state if sub else None,
            requested_at=sub.requested_at if sub else None,
            last_charged_month=sub.last_charged_month if sub else "",
            confirm_interval=interval,
        )
        if record.request.update_type == SUBSCRIBE:
            decision = rules.decide(rules.Op.SUBSCRIBE, facts)
            if not decision.ok:
                failures.append((record, *refusal(decision.code)))
                continue
            sub = _Sub(
                None,
                msisdn,
                pid,
                info.product.partner_id,
                Subscription.State.PENDING_CONFIRMATION,
                "crm",
                record.request.link_id,
                now,
                None,
                None,
                "",
                new=True,
            )
            live[(msisdn, pid)] = sub
            w.subs.append(sub)
            w.history.append((sub, "requested", "", sub.state, ""))
            if decision.outcome is not rules.Outcome.PENDING:
                sub.effective_at = now
                sub.state = Subscription.State.ACTIVE
                w.history.append((sub, "activated", Subscription.State.PENDING_CONFIRMATION, sub.state, ""))
                if decision.charge:
                    w.usage.append((sub, month, decision.price_fen, info))
                    sub.last_charged_month = month
                w.outbox.append((sub, info, int(UpdateType.SUBSCRIBE), ""))
        else:
            decision = rules.decide(rules.Op.UNSUBSCRIBE, facts)
            if not decision.ok:
                failures.append((record, *refusal(decision.code)))
                continue
            assert sub is not None
            before = sub.state
            drop = before == Subscription.State.PENDING_CONFIRMATION or decision.outcome is rules.Outcome.DROP
            sub.state = Subscription.State.DROPPED if drop else Subscription.State.UNSUBSCRIBED
            sub.expiry_at = now
            if not sub.new and not sub.changed:
                sub.changed = True
                w.changed.append(sub)
            del live[(msisdn, pid)]
            w.history.append((sub, "dropped" if drop else "unsubscribed", before, sub.state, reason))
            if not drop:
                w.outbox.append((sub, info, int(UpdateType.UNSUBSCRIBE), reason))
    _write(w, now)
    return failures


def _stamp(when: dt.datetime | None, fmt: str = "%Y%m%d%H%M%S") -> str:
    return when.astimezone(rules.SHANGHAI).strftime(fmt) if when else ""


def _write(w: _Writes, now: dt.datetime) -> None:
    """Insert/update the chunk's rows. The outbox rows carry the state of the relation at the
    moment of each notification (as the actions write them)."""
    if connection.vendor == "postgresql":
        _write_copy(w, now)
    else:
        _write_orm(w, now)
    for state in (Subscription.State.UNSUBSCRIBED, Subscription.State.DROPPED):
        ids = [s.id for s in w.changed if s.state == state]
        if ids:
            Subscription.objects.filter(pk__in=ids).update(state=state, expiry_at=now, updated_at=now)


def _outbox_values(
    sub: _Sub, info: ProductInfo, update_type: int, desc: str, now: dt.datetime
) -> dict[str, Any]:
    expiry = now if update_type == UpdateType.UNSUBSCRIBE else None
    return {
        "partner_id": info.product.partner_id,
        "subscription_id": sub.id,
        "user_id": sub.msisdn,
        "service_type": info.service_type,
        "sp_id": info.product.partner.enterprise_code or "",
        "product_id": info.product.product_code or "",
        "update_type": update_type,
        "update_time": _stamp(now),
        "update_desc": desc[:100],
        "link_id": sub.link_id[:20],
        "effective_date": _stamp(sub.effective_at),
        "expire_date": _stamp(expiry),
        "time_stamp": _stamp(now, "%m%d%H%M%S"),
        "next_attempt_at": now,
        "created_at": now,
    }


def _usage_values(sub: _Sub, month: str, fee: int, now: dt.datetime) -> dict[str, Any]:
    return {
        "cdr_id": f"M{sub.id}-{month}",
        "msisdn": sub.msisdn,
        "product_id": sub.product_id,
        "partner_id": sub.partner_id,
        "fee_fen": fee,
        "kind": UsageRecord.Kind.MONTHLY,
        "at": now,
    }


def _sub_values(sub: _Sub, now: dt.datetime) -> dict[str, Any]:
    return {
        "msisdn": sub.msisdn,
        "product_id": sub.product_id,
        "partner_id": sub.partner_id,
        "state": sub.state,
        "channel": sub.channel,
        "link_id": sub.link_id,
        "requested_at": sub.requested_at,
        "effective_at": sub.effective_at,
        "expiry_at": sub.expiry_at,
        "last_charged_month": sub.last_charged_month,
        "updated_at": now,
    }


def _write_orm(w: _Writes, now: dt.datetime) -> None:
    objs = [Subscription(**_sub_values(s, now)) for s in w.subs]
    Subscription.objects.bulk_create(objs)
    for sub, obj in zip(w.subs, objs, strict=True):
        sub.id = obj.pk
    SubscriptionHistory.objects.bulk_create(
        SubscriptionHistory(
            subscription_id=s.id or 0,
            event=event,
            from_state=before,
            to_state=after,
            channel=s.channel,
            actor_label=ACTOR,
            reason=reason,
            at=now,
        )
        for s, event, before, after, reason in w.history
    )
    UsageRecord.objects.bulk_create(
        [UsageRecord(**_usage_values(s, m, fee, now)) for s, m, fee, _i in w.usage], ignore_conflicts=True
    )
    rows = NotifyOutbox.objects.bulk_create(
        [NotifyOutbox(**_outbox_values(s, info, t, d, now)) for s, info, t, d in w.outbox]
    )
    if rows:
        NotifyOutbox.objects.filter(pk__in=[r.pk for r in rows]).update(
            record_sequence_id=Concat(
                Value(_stamp(now, "%y%m%d")), LPad(Cast(F("id"), CharField()), 12, Value("0"))
            )
        )


def _next_ids(table: str, count: int) -> list[int]:
    if not count:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, count]
        )
        return [row[0] for row in cursor.fetchall()]


def _copy(table: str, columns: list[str], rows: Iterator[tuple[Any, ...]]) -> None:
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def _write_copy(w: _Writes, now: dt.datetime) -> None:
    """PostgreSQL: ids drawn from the tables' sequences, rows written with COPY."""
    for sub, new_id in zip(w.subs, _next_ids(Subscription._meta.db_table, len(w.subs)), strict=True):
        sub.id = new_id
    sub_cols = list(_sub_values(w.subs[0], now)) if w.subs else []
    _copy(
        Subscription._meta.db_table,
        ["id"] + [c for c in sub_cols],
        ((s.id, *_sub_values(s, now).values()) for s in w.subs),
    )
    _copy(
        SubscriptionHistory._meta.db_table,
        ["subscription_id", "event", "from_state", "to_state", "channel", "actor_label", "reason", "at"],
        ((s.id, ev, b, a, s.channel, ACTOR, r, now) for s, ev, b, a, r in w.history),
    )
    _copy(
        UsageRecord._meta.db_table,
        ["cdr_id", "msisdn", "product_id", "partner_id", "fee_fen", "kind", "at"],
        (tuple(_usage_values(s, m, fee, now).values()) for s, m, fee, _i in w.usage),
    )
    prefix = _stamp(now, "%y%m%d")
    ids = _next_ids(NotifyOutbox._meta.db_table, len(w.outbox))
    fixed = {
        "user_id_type": 1,
        "content": "",
        "encode_str": "",
        "state": NotifyOutbox.State.PENDING,
        "attempts": 0,
        "last_error": "",
    }
    rows = []
    for new_id, (s, info, t, d) in zip(ids, w.outbox, strict=True):
        values = _outbox_values(s, info, t, d, now) | fixed
        values["record_sequence_id"] = f"{prefix}{new_id:012d}"
        rows.append((new_id, *values.values()))
    if rows:
        columns = ["id", *(_outbox_values(*w.outbox[0], now) | fixed).keys(), "record_sequence_id"]
        _copy(NotifyOutbox._meta.db_table, columns, iter(rows))


# ------------------------------------------------------------------------------ applying ---


class _Stream(io.RawIOBase):
    """The header line, then the file from ``offset`` (resume), with absolute ``tell()``."""

    def __init__(self, fh: IO[bytes], header: bytes, offset: int) -> None:
        self.fh = fh
        self.header: bytes | None = header
        fh.seek(offset)

    def readline(self, size: int | None = -1) -> bytes:  # type: ignore[override]
        if self.header is not None:
            head, self.header = self.header, None
            return head
        return self.fh.readline(size if size is not None else -1)

    def tell(self) -> int:
        return self.fh.tell()

    def readable(self) -> bool:
        return True


def _open_exceptions(
    batch: CrmBatchFile, started: dt.datetime
) -> tuple[IO[bytes], crm_batch.ExceptionFileWriter]:
    path = work_dir() / f"crm-{batch.pk}.exc"
    fh: IO[bytes] = open(path, "r+b" if batch.exception_offset and path.exists() else "w+b")  # noqa: SIM115
    writer = crm_batch.ExceptionFileWriter(
        fh, sequence=batch.sequence or "0", created_at=started, reason_column=True
    )
    if batch.exception_offset:
        fh.seek(batch.exception_offset)
        fh.truncate()
        writer.written = batch.lines_failed
    return fh, writer


def _claim(batch_id: int, resume: bool) -> CrmBatchFile | None:
    now = clock.now()
    with transaction.atomic():
        batch = CrmBatchFile.objects.select_for_update().get(pk=batch_id)
        stale = batch.heartbeat_at is None or now - batch.heartbeat_at > STALE_AFTER
        if batch.state == CrmBatchFile.State.RECEIVED or (
            batch.state == CrmBatchFile.State.APPLYING and (resume or stale)
        ):
            batch.state = CrmBatchFile.State.APPLYING
            batch.started_at = batch.started_at or now
            batch.heartbeat_at = now
            batch.save(update_fields=["state", "started_at", "heartbeat_at"])
            return batch
    return None


def _chunks(reader: BatchReader, stream: _Stream, size: int) -> Iterator[tuple[list[Any], int]]:
    chunk: list[Any] = []
    for item in reader:
        if isinstance(item, BatchLineError) and item.kind == ErrorKind.RECORD_COUNT:
            continue  # counted by apply() over the whole file (a resumed reader sees only the rest)
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk, stream.tell()
            chunk = []
    yield chunk, stream.tell()


def apply(
    batch: CrmBatchFile | int,
    *,
    mode: str = "bulk",
    chunk_lines: int = CHUNK_LINES,
    resume: bool = False,
    crash_after_chunks: int | None = None,
) -> CrmBatchFile:
    """Apply (or resume) a received batch file; a file already done is returned unchanged."""
    batch_id = batch if isinstance(batch, int) else batch.pk
    claimed = _claim(batch_id, resume)
    if claimed is None:
        return CrmBatchFile.objects.get(pk=batch_id)
    batch = claimed
    started = batch.started_at or clock.now()
    products = _Products(clock.now())
    with batch.source.file.open("rb") as src:
        fh: Any = src.file
        while hasattr(fh, "file"):  # django File wrappers → the buffered OS file
            fh = fh.file
        header_line = fh.readline(crm_batch.MAX_LINE_BYTES + 1)
        if batch.committed_offset == 0:
            first = BatchReader(io.BytesIO(header_line))
            head_error = next((i for i in first if isinstance(i, BatchLineError) and i.line_no == 1), None)
            if head_error is not None and head_error.kind != ErrorKind.RECORD_COUNT:
                return _reject(batch, head_error, started)
        base = max(batch.committed_line, 1)
        stream = _Stream(fh, header_line, batch.committed_offset or len(header_line))
        reader = BatchReader(stream, allowed_update_types=UPDATE_TYPES)  # type: ignore[arg-type]
        exc_fh, writer = _open_exceptions(batch, started)
        try:
            for commits, (chunk, offset) in enumerate(_chunks(reader, stream, chunk_lines), start=1):
                _commit_chunk(batch, chunk, offset, base, reader, products, writer, exc_fh, mode)
                if crash_after_chunks is not None and commits >= crash_after_chunks:
                    raise SimulatedCrash(f"stopped after {commits} chunks")
            return _finish(batch, writer, exc_fh)
        finally:
            exc_fh.close()


def _commit_chunk(
    batch: CrmBatchFile,
    chunk: list[Any],
    offset: int,
    base: int,
    reader: BatchReader,
    products: _Products,
    writer: crm_batch.ExceptionFileWriter,
    exc_fh: IO[bytes],
    mode: str,
) -> None:
    now = clock.now()
    records = [i for i in chunk if isinstance(i, BatchRecord)]
    with transaction.atomic():
        failures: list[Failure] = []
        if mode == "bulk":
            try:
                with transaction.atomic():
                    failures = _apply_bulk(batch, records, products, now)
            except (NeedsActions, IntegrityError):
                failures = []
                mode = "actions"
        if mode != "bulk":
            failures = _apply_with_actions(batch, records, products, now)
        refused = {id(item): (code, reason) for item, code, reason in failures}
        bad = 0
        for item in chunk:
            line_no = base + item.line_no - 1
            if isinstance(item, BatchLineError):
                writer.write(item, reason=f"第 {line_no} 行：{item.reason}")
                bad += 1
            elif id(item) in refused:
                code, reason = refused[id(item)]
                writer.write(item, code=code, reason=f"第 {line_no} 行：{reason}")
                bad += 1
        exc_fh.flush()
        os.fsync(exc_fh.fileno())
        batch.lines_total += len(chunk)
        batch.lines_failed += bad
        batch.lines_applied += len(chunk) - bad
        batch.committed_offset = offset
        batch.committed_line = base + reader.lines - 1
        batch.exception_offset = exc_fh.tell()
        batch.heartbeat_at = now
        batch.save(
            update_fields=[
                "lines_total",
                "lines_failed",
                "lines_applied",
                "committed_offset",
                "committed_line",
                "exception_offset",
                "heartbeat_at",
            ]
        )


def _store_exceptions(batch: CrmBatchFile, exc_fh: IO[bytes]) -> Document:
    exc_fh.seek(0, io.SEEK_END)
    size = exc_fh.tell()
    exc_fh.seek(0)
    digest = hashlib.sha256()
    while block := exc_fh.read(1 << 20):
        digest.update(block)
    exc_fh.seek(0)
    stem = Path(batch.name).stem
    doc = Document(
        original_name=f"{stem}.exception.txt",
        content_type="text/plain",
        size=size,
        sha256=digest.hexdigest(),
        kind=KIND_EXCEPTION,
    )
    doc.file.save(f"crm-exception-{batch.pk}.txt", File(exc_fh), save=False)
    doc.save()
    return doc


def _finish(
    batch: CrmBatchFile, writer: crm_batch.ExceptionFileWriter, exc_fh: IO[bytes], file_error: str = "000"
) -> CrmBatchFile:
    if file_error == "000" and batch.lines_expected != batch.lines_total:
        reason = f"文件头记录数 {batch.lines_expected}，实际 {batch.lines_total} 行"
        batch.file_error = f"407：{reason}"
        writer.write(BatchLineError(1, ErrorKind.RECORD_COUNT, "407", reason, "record count"))
    writer.close(
        total_records=batch.lines_total, correct_records=batch.lines_applied, file_error_code=file_error
    )
    with transaction.atomic():
        batch.exception_file = _store_exceptions(batch, exc_fh)
        batch.state = CrmBatchFile.State.DONE if file_error == "000" else CrmBatchFile.State.REJECTED
        batch.finished_at = clock.now()
        batch.save()
    return batch


def _reject(batch: CrmBatchFile, error: BatchLineError, started: dt.datetime) -> CrmBatchFile:
    """A file whose header is wrong is refused as a whole (C.2 file-level code); nothing applied."""
    batch.file_error = f"{error.code}：{error.reason}"[:255]
    exc_fh, writer = _open_exceptions(batch, started)
    try:
        return _finish(batch, writer, exc_fh, file_error=error.code if len(error.code) == 3 else "160")
    finally:
        exc_fh.close()


def apply_path(path: Path, *, mode: str = "bulk", chunk_lines: int = CHUNK_LINES) -> CrmBatchFile:
    """Ingest a file from disk and apply it (benchmarks, the command)."""
    with open(path, "rb") as fh:
        batch, _created = ingest(fh, name=path.name, origin="inbox")
    return apply(batch, mode=mode, chunk_lines=chunk_lines)


def sweep(*, mode: str = "bulk") -> list[CrmBatchFile]:
    """Receive every file in the inbox (moved to ``done/`` once stored), then apply every file
    received and resume every file whose worker stopped (no heartbeat for STALE_AFTER)."""
    inbox = inbox_dir()
    inbox.mkdir(parents=True, exist_ok=True)
    done = inbox.parent / "done"
    done.mkdir(parents=True, exist_ok=True)
    for path in sorted(p for p in inbox.iterdir() if p.is_file() and not p.name.startswith(".")):
        with open(path, "rb") as fh:
            ingest(fh, name=path.name, origin="inbox")
        shutil.move(str(path), done / path.name)
    now = clock.now()
    pending = CrmBatchFile.objects.filter(state=CrmBatchFile.State.RECEIVED) | CrmBatchFile.objects.filter(
        state=CrmBatchFile.State.APPLYING, heartbeat_at__lt=now - STALE_AFTER
    )
    return [apply(b.pk, mode=mode) for b in pending.order_by("id")]
