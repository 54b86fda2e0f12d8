"""VAC → SP order-relation sync files (VAC.md C.1): writing the daily incremental and monthly full
files under ``VASOPS_VAC_SYNC_ROOT`` (the FTP root) and reading the receipts the SPs write back.

* Incremental (``add``) for a Beijing calendar day: per SP, the **last** notification of the day per
  order relation (user × SP product) from the notification outbox — order then cancel the same day
  gives only the cancel. On-demand notifications (updateType 3) are usage, not order relations, and
  are not in the files [I].
* Full (``all``) for a month: per SP, every active order relation at generation time (updateType 1,
  which C.1 says the SP ignores).
* Each file holds at most ``limit`` (100 000) records, more go to the next file; an incremental file
  never spans two days. The file sequence counts 0001 … 9999 per SP and Beijing day, then wraps.
* A run is one transaction: rows are streamed from a server-side cursor into temporary files next to
  their final names, the :class:`~vasops.vac.models.SyncFile` rows are inserted, the files renamed
  into place, then the transaction commits (if anything fails the files are removed again). A
  second run of the same day/month only covers SPs that have no file for it yet, so nothing is
  written twice. Runs are serialised by a PostgreSQL advisory lock.
* Receipts (``response/right|bad|semiwrong/<stem>.rsp``) update the file's state and are then moved
  to ``<root>/archive/`` (C.2: the producer fetches the receipt and removes it).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, QuerySet

from vasops.core import clock
from vasops.partners.models import Partner
from vasops.partners.queries import partner_of
from vasops.vac import msisdn as numbers
from vasops.vac.models import NotifyOutbox, SpEndpoint, Subscription, SyncFile
from vasops.vac.protocol import soap
from vasops.vac.protocol import sync_files as codec
from vasops.vac.queries import is_vac_staff
from vasops.vac.rules import FAR_FUTURE, SHANGHAI

log = logging.getLogger(__name__)

CHUNK = 2000
ADD_AFTER = dt.time(1, 0)  # yesterday's incremental files, Beijing time
ALL_AFTER = dt.time(2, 0)  # the month's full files, from the 1st
_LOCK_KEY = 0x5641_4353  # "VACS": one generator at a time
_OUTBOX_FIELDS = (
    "partner_id",
    "record_sequence_id",
    "user_id_type",
    "user_id",
    "service_type",
    "sp_id",
    "product_id",
    "update_type",
    "update_time",
    "update_desc",
    "link_id",
    "content",
    "effective_date",
    "expire_date",
    "time_stamp",
)

Rows = Iterator[tuple[int, soap.NotifyRequest]]


def sync_root() -> Path:
    return Path(getattr(settings, "VASOPS_VAC_SYNC_ROOT", settings.VAR_DIR / "vac-sync"))


def province_code() -> str:
    """The province code (3 digits) in the file names; 071 = Hubei [I]."""
    return str(getattr(settings, "VASOPS_VAC_PROVINCE_CODE", "071"))


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, dt.time(), tzinfo=SHANGHAI)
    return start, start + dt.timedelta(days=1)


def _stamp(when: dt.datetime | None, fmt: str = "%Y%m%d%H%M%S") -> str:
    return when.astimezone(SHANGHAI).strftime(fmt) if when else ""


# ------------------------------------------------------------------------------ writing ---


@dataclass
class _Part:
    tmp: Path
    final: Path
    name: str
    sequence: int
    records: int = 0
    first: str = ""
    last: str = ""
    renamed: bool = False


@dataclass
class _SpWriter:
    """The files of one SP in one run: parts of at most ``limit`` records, never two days in one
    incremental file. Each part is written to a hidden temporary file, its header rewritten with the
    totals when the part is closed."""

    root: Path
    kind: codec.Kind
    partner: Partner
    order_key: str
    created: dt.datetime  # Beijing wall time of this run
    previous_sequence: int | None
    limit: int
    parts: list[_Part] = field(default_factory=list)
    _stream: Any = None

    def _open(self) -> _Part:
        sequence = codec.next_sequence(self.parts[-1].sequence if self.parts else self.previous_sequence)
        spid = self.partner.enterprise_code or ""
        name = codec.file_name(spid, self.created, province_code(), sequence)
        folder = Path(self.root, codec.directory(self.kind, spid))
        folder.mkdir(parents=True, exist_ok=True)
        part = _Part(tmp=folder / f".{name}.part", final=folder / name, name=name, sequence=sequence)
        self.parts.append(part)
        self._stream = open(part.tmp, "wb")  # noqa: SIM115 (closed in _close)
        self._stream.write(b" " * (codec.HEADER_BYTES - 1) + b"\n")  # rewritten by _close
        return part

    def _close(self) -> None:
        if self._stream is None:
            return
        part = self.parts[-1]
        header = codec.SyncHeader(
            sequence=part.sequence,
            created_at=self.created.strftime("%Y%m%d%H%M%S"),
            first_record_time=part.first,
            last_record_time=part.last,
            record_count=part.records,
        )
        self._stream.seek(0)
        self._stream.write(codec.format_header(header))
        self._stream.flush()
        os.fsync(self._stream.fileno())
        self._stream.close()
        self._stream = None

    def add(self, request: soap.NotifyRequest) -> None:
        part = self.parts[-1] if self._stream is not None else None
        if part is not None and (
            part.records >= self.limit
            or (self.kind is codec.Kind.ADD and request.update_time[:8] != part.first[:8])
        ):
            self._close()
            part = None
        if part is None:
            part = self._open()
        if self.order_key:
            request = soap.sign(request, self.order_key)
        self._stream.write(codec.format_record(request))
        part.records += 1
        part.first = min(part.first, request.update_time) if part.first else request.update_time
        part.last = max(part.last, request.update_time)

    def finish(self) -> None:
        self._close()

    def discard(self) -> None:
        if self._stream is not None:
            self._stream.close()
            self._stream = None
        for part in self.parts:
            part.tmp.unlink(missing_ok=True)
            if part.renamed:  # never a file this run did not write
                part.final.unlink(missing_ok=True)


def _lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])


def _previous_sequence(partner_id: int, created: dt.datetime) -> int | None:
    start, end = day_bounds(created.date())
    last = (
        SyncFile.objects.filter(partner_id=partner_id, created_at__gte=start, created_at__lt=end)
        .order_by("-created_at", "-id")
        .values_list("sequence", flat=True)
        .first()
    )
    return int(last) if last else None


def _generate(
    kind: codec.Kind, period: dt.date, rows: Callable[[set[int]], Rows], now: dt.datetime | None, limit: int
) -> list[SyncFile]:
    now = now or clock.now()
    created = now.astimezone(SHANGHAI).replace(microsecond=0)
    root = sync_root()
    writers: list[_SpWriter] = []
    files: list[SyncFile] = []
    try:
        with transaction.atomic():
            _lock()
            done = set(SyncFile.objects.filter(kind=kind, period=period).values_list("partner_id", flat=True))
            partners = {
                p.pk: p
                for p in Partner.objects.exclude(enterprise_code="")
                .exclude(enterprise_code__isnull=True)
                .exclude(pk__in=done)
            }
            keys = dict(SpEndpoint.objects.exclude(order_key="").values_list("partner_id", "order_key"))
            writer: _SpWriter | None = None
            current: int | None = None
            skipped: set[int] = set()
            for partner_id, request in rows(done):
                if partner_id != current:
                    current = partner_id
                    if writer is not None:
                        writer.finish()
                    writer = None
                    partner = partners.get(partner_id)
                    if partner is None:  # no SPID: the file could not be named
                        skipped.add(partner_id)
                        continue
                    writer = _SpWriter(
                        root,
                        kind,
                        partner,
                        keys.get(partner_id, ""),
                        created,
                        _previous_sequence(partner_id, created),
                        limit,
                    )
                    writers.append(writer)
                if writer is not None:
                    writer.add(request)
            if writer is not None:
                writer.finish()
            for w in writers:
                for number, part in enumerate(w.parts, start=1):
                    files.append(
                        SyncFile(
                            partner=w.partner,
                            kind=kind,
                            period=period,
                            part=number,
                            sequence=f"{part.sequence:04d}",
                            name=part.name,
                            path=str(part.final.relative_to(root)),
                            records=part.records,
                            size=part.tmp.stat().st_size,
                            first_record_time=part.first,
                            last_record_time=part.last,
                            created_at=now,
                        )
                    )
            SyncFile.objects.bulk_create(files)
            for w in writers:
                for part in w.parts:
                    os.replace(part.tmp, part.final)
                    part.renamed = True
            if skipped:
                log.warning(
                    "order sync %s %s: SPs without enterprise code skipped: %s", kind, period, sorted(skipped)
                )
    except BaseException:
        for w in writers:
            w.discard()
        raise
    return files


def _outbox_rows(start: dt.datetime, end: dt.datetime) -> Callable[[set[int]], Rows]:
    def rows(done: set[int]) -> Rows:
        day = NotifyOutbox.objects.filter(created_at__gte=start, created_at__lt=end).exclude(
            update_type=soap.UpdateType.ON_DEMAND
        )
        later = day.filter(
            partner_id=OuterRef("partner_id"),
            user_id=OuterRef("user_id"),
            product_id=OuterRef("product_id"),
            id__gt=OuterRef("id"),
        )
        qs = (
            day.exclude(partner_id__in=done)
            .filter(~Exists(later))
            .order_by("partner_id", "id")
            .values_list(*_OUTBOX_FIELDS)
        )
        for partner_id, rsid, *values in qs.iterator(chunk_size=CHUNK):
            fields = dict(zip(_OUTBOX_FIELDS[2:], values, strict=True))
            yield partner_id, soap.NotifyRequest(record_sequence_id=rsid or "", **fields)

    return rows


def _subscription_rows(month: dt.date, now: dt.datetime) -> Callable[[set[int]], Rows]:
    time_stamp = _stamp(now, "%m%d%H%M%S")

    def rows(done: set[int]) -> Rows:
        qs = (
            Subscription.objects.filter(state=Subscription.State.ACTIVE)
            .exclude(partner_id__in=done)
            .order_by("partner_id", "id")
            .values_list(
                "id",
                "partner_id",
                "msisdn",
                "link_id",
                "requested_at",
                "effective_at",
                "expiry_at",
                "product__product_code",
                "product__business_line__service_type",
                "partner__enterprise_code",
            )
        )
        for sub_id, partner_id, msisdn, link_id, requested, effective, expiry, code, stype, sp in qs.iterator(
            chunk_size=CHUNK
        ):
            yield (
                partner_id,
                soap.NotifyRequest(
                    record_sequence_id=f"{month:%Y%m}{sub_id:012d}",
                    user_id=numbers.COUNTRY_CODE + msisdn,
                    service_type=stype,
                    sp_id=sp or "",
                    product_id=code or "",
                    update_type=soap.UpdateType.SUBSCRIBE,
                    update_time=_stamp(effective or requested),
                    link_id=link_id[:20],
                    effective_date=_stamp(effective),
                    expire_date=_stamp(expiry) if expiry else FAR_FUTURE,
                    time_stamp=time_stamp,
                ),
            )

    return rows


def generate_day(
    day: dt.date, *, now: dt.datetime | None = None, limit: int = codec.MAX_RECORDS
) -> list[SyncFile]:
    """The incremental files of the Beijing day ``day`` for every SP that has none yet."""
    start, end = day_bounds(day)
    return _generate(codec.Kind.ADD, day, _outbox_rows(start, end), now, limit)


def generate_month(
    month: dt.date, *, now: dt.datetime | None = None, limit: int = codec.MAX_RECORDS
) -> list[SyncFile]:
    """The full files of ``month`` (any day of it) for every SP that has none yet."""
    now = now or clock.now()
    first = month.replace(day=1)
    return _generate(codec.Kind.ALL, first, _subscription_rows(first, now), now, limit)


# ------------------------------------------------------------------------------ receipts ---


@dataclass
class ReceiptReport:
    recorded: int = 0
    unknown: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


_STATE_OF = {
    codec.Box.RIGHT: SyncFile.State.CONFIRMED,
    codec.Box.BAD: SyncFile.State.REFUSED,
    codec.Box.SEMIWRONG: SyncFile.State.PARTIAL,
}


def _receipt_files(root: Path) -> Iterator[tuple[codec.Kind, codec.Box, str, Path]]:
    base = root / "VAC" / "SubscribeInfo"
    if not base.is_dir():
        return
    for sp_dir in sorted(base.iterdir()):
        if not (sp_dir.is_dir() and len(sp_dir.name) == 8 and sp_dir.name.isdigit()):
            continue
        for kind in codec.Kind:
            for box in _STATE_OF:
                folder = root / codec.directory(kind, sp_dir.name, box)
                if folder.is_dir():
                    for path in sorted(folder.iterdir()):
                        if path.is_file() and not path.name.startswith("."):
                            yield kind, box, sp_dir.name, path


def record_receipt(sync_file: SyncFile, receipt: codec.Receipt, *, now: dt.datetime) -> SyncFile:
    """Store what the SP answered for ``sync_file`` (the same receipt twice changes nothing)."""
    with transaction.atomic():
        row = SyncFile.objects.select_for_update().get(pk=sync_file.pk)
        row.state = _STATE_OF[receipt.box]
        row.error_code = receipt.error_code
        row.correct_records = receipt.correct
        row.failing_ids = list(receipt.failing)
        row.receipt_at = now
        row.save(update_fields=["state", "error_code", "correct_records", "failing_ids", "receipt_at"])
    return row


def read_receipts(*, now: dt.datetime | None = None) -> ReceiptReport:
    """Record every receipt waiting in the SPs' ``response`` directories; unreadable receipts and
    receipts naming no file of ours stay where they are and are reported."""
    now = now or clock.now()
    root = sync_root()
    report = ReceiptReport()
    for kind, box, sp_dir, path in _receipt_files(root):
        relative = str(path.relative_to(root))
        parsed = codec.parse_file_name(path.name)
        if parsed is None or parsed.suffix != "rsp" or parsed.sp_id != sp_dir:
            report.unknown.append(relative)
            continue
        sync_file = SyncFile.objects.filter(name=parsed.stem + ".req", kind=kind).first()
        if sync_file is None:
            report.unknown.append(relative)
            continue
        try:
            receipt = codec.parse_receipt(path.read_bytes(), box)
        except codec.ReceiptError as exc:
            report.errors.append(f"{relative}: {exc}")
            continue
        record_receipt(sync_file, receipt, now=now)
        archived = root / "archive" / relative
        archived.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, archived)
        report.recorded += 1
    for item in report.unknown + report.errors:
        log.warning("order sync receipt not recorded: %s", item)
    return report


# ------------------------------------------------------------------------------ worker ---


def sweep(now: dt.datetime | None = None) -> dict[str, Any]:
    """The worker's periodic step: yesterday's incremental files once it is past 01:00 Beijing
    time, this month's full files once it is past 02:00 on the 1st (or later in the month, if the
    worker was down then), and the receipts. Cheap when there is nothing to do."""
    now = now or clock.now()
    local = now.astimezone(SHANGHAI)
    result: dict[str, Any] = {}
    yesterday = local.date() - dt.timedelta(days=1)
    if local.time() >= ADD_AFTER and not SyncFile.objects.filter(kind="add", period=yesterday).exists():
        result["add"] = len(generate_day(yesterday, now=now))
    first = local.date().replace(day=1)
    due = local.day > 1 or local.time() >= ALL_AFTER
    if due and not SyncFile.objects.filter(kind="all", period=first).exists():
        result["all"] = len(generate_month(first, now=now))
    receipts = read_receipts(now=now)
    result["receipts"] = receipts.recorded
    if receipts.unknown or receipts.errors:
        result["receipt_problems"] = len(receipts.unknown) + len(receipts.errors)
    return result


# ------------------------------------------------------------------------------ reading ---


def visible_files(user: Any) -> QuerySet[SyncFile]:
    """The sync files ``user`` may see: VAC staff all, a partner user only its own partner's."""
    qs = SyncFile.objects.select_related("partner")
    if is_vac_staff(user):
        return qs
    partner = partner_of(user)
    return qs.filter(partner=partner) if partner is not None else qs.none()


def file_path(sync_file: SyncFile) -> Path:
    return sync_root() / sync_file.path
