"""Applying a received file: chunks committed in order (pipelined on PostgreSQL), the exception
file, resuming after a crash, the inbox sweep."""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import hashlib
import io
import itertools
import os
import shutil
import threading
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.core.files import File
from django.db import IntegrityError, connection, connections, transaction

from vasops.core import clock
from vasops.core.models import Document
from vasops.vac.crm.bulk import _Bulk, _Conflict, _Plan, _Writes
from vasops.vac.crm.common import (
    ACTIONS_CHUNK_LINES,
    AWAIT_PRIOR,
    CHUNK_LINES,
    COMMITTERS,
    KIND_EXCEPTION,
    PIPELINE_BYTES,
    STALE_AFTER,
    SUBSCRIBE,
    UNSUBSCRIBE,
    UPDATE_TYPES,
    Failure,
    SimulatedCrash,
    _Products,
    inbox_dir,
    logger,
    work_dir,
)
from vasops.vac.crm.lines import _apply_with_actions
from vasops.vac.crm.marks import _Marks
from vasops.vac.crm.receive import ingest
from vasops.vac.models import CrmBatchFile
from vasops.vac.protocol import crm_batch
from vasops.vac.protocol.crm_batch import BatchLineError, BatchReader, BatchRow, ErrorKind

# ------------------------------------------------------------------------------ applying ---


@dataclass
class _Chunk:
    """``size`` lines: the good ones, the bad ones, the stream offset after the last one and the
    number of lines the reader has read up to there."""

    rows: list[BatchRow] = field(default_factory=list)
    errors: list[BatchLineError] = field(default_factory=list)
    offset: int = 0
    lines: int = 0


def _chunks(reader: BatchReader, size: int) -> Iterator[_Chunk]:
    chunk = _Chunk()
    rows, errors = chunk.rows, chunk.errors
    count = 0
    for item in reader.rows():
        if isinstance(item, BatchRow):
            rows.append(item)
        elif item.kind != ErrorKind.RECORD_COUNT:
            errors.append(item)
        else:
            continue  # counted by apply() over the whole file (a resumed reader sees only the rest)
        count += 1
        if count >= size:
            chunk.offset, chunk.lines = reader.offset, reader.lines
            yield chunk
            chunk = _Chunk()
            rows, errors = chunk.rows, chunk.errors
            count = 0
    chunk.offset, chunk.lines = reader.offset, reader.lines
    yield chunk


@dataclass
class _Job:
    """Chunk number ``number`` to commit: planned ahead (``plan`` and ``writes`` made outside
    its transaction) or, without a plan, decided inside it. ``done`` is set once its
    transaction has ended, ``outcome`` then says how."""

    number: int
    chunk: _Chunk
    now: dt.datetime
    plan: _Plan | None = None
    writes: _Writes | None = None
    done: threading.Event = field(default_factory=threading.Event)
    outcome: str = "failed"  # see _Applier.commit


class _Void(Exception):
    """The job before this one was not committed as planned: roll back."""


class _Applier:
    """Commits the chunks of one file in order, one transaction each: the records, the
    exception lines (on disk first) and the progress (offset, counters, exception-file length).

    Set-based (``mode="bulk"``, PostgreSQL): a chunk of subscribe/unsubscribe records is planned
    ahead (:class:`_Bulk`) and its transaction only runs the statements; a plan that meets a
    concurrent write is re-done inside the transaction (relations read FOR UPDATE), and a run
    that still cannot be written goes through the actions, as do account records and every
    record of ``mode="actions"``."""

    def __init__(
        self,
        batch: CrmBatchFile,
        mode: str,
        base: int,
        writer: crm_batch.ExceptionFileWriter,
        exc_fh: IO[bytes],
    ) -> None:
        self.batch = batch
        self.base = base
        self.writer = writer
        self.exc_fh = exc_fh
        self.products = _Products(clock.now())
        self.bulk = (
            _Bulk(batch, self.products) if mode == "bulk" and connection.vendor == "postgresql" else None
        )
        self.numbers = itertools.count(1)

    def plan(self, chunk: _Chunk, previous: Sequence[_Plan] = ()) -> _Job:
        """The job of ``chunk``: planned ahead when it holds only subscribe/unsubscribe records
        (``previous``: the plans of the jobs before it not known to be committed yet)."""
        job = _Job(next(self.numbers), chunk, clock.now())
        if self.bulk is not None and all(row.update_type in (SUBSCRIBE, UNSUBSCRIBE) for row in chunk.rows):
            job.plan = self.bulk.plan(chunk.rows, job.now, previous)
            job.writes = self.bulk.writes(job.plan, job.now)
            if self.bulk.marks.later is not None:  # pipelined: the marks now, not in the transaction
                job.writes.marked = self.bulk.marks.begin(job.writes.touched)
        return job

    def replan(self, job: _Job) -> _Job:
        """``job`` again, from the committed state (the jobs before it are all done)."""
        again = self.plan(job.chunk)
        again.number = job.number
        return again

    def inside(self, job: _Job) -> _Job:
        """``job`` to be decided inside its transaction (after a conflict)."""
        return _Job(job.number, job.chunk, clock.now())

    def commit(self, job: _Job, prior: _Job | None = None) -> str:
        """Commit ``job``'s chunk once ``prior`` (the job before it, possibly still running on
        another connection) has committed; its new rows are written meanwhile. Returns (and
        sets) the outcome: "planned", "decided" (no plan: decided inside), "conflict" (the plan
        met a concurrent write: rolled back, to be decided inside once nothing else runs) or
        "void" (rolled back: the prior was not committed as planned).

        A planned job only ever waits for the job before it, and after a conflict it rolls back
        instead of deciding anew while later jobs may hold rows it would wait for."""
        try:
            with transaction.atomic():
                if job.plan is not None and job.writes is not None:
                    assert self.bulk is not None
                    self.bulk.write_new(job.writes)
                    self._await(job, prior)
                    self.bulk.write_ends(job.writes, job.now)
                    failures, outcome = job.plan.failures, "planned"
                else:
                    self._await(job, prior)
                    failures, outcome = self._decide_inside(job.chunk.rows, job.now), "decided"
                self._progress(job, failures)
            job.outcome = outcome
        except _Void:
            job.outcome = "void"
        except (_Conflict, IntegrityError):
            if job.plan is None:
                raise
            job.outcome = "conflict"
        finally:
            job.done.set()
        return job.outcome

    @staticmethod
    def _await(job: _Job, prior: _Job | None) -> None:
        """Wait until ``prior`` has committed. Never forever: were the job before ever to wait
        for a row this one holds (plans are made so that it cannot), this one rolls back."""
        if prior is not None:
            if not prior.done.wait(AWAIT_PRIOR.total_seconds()):
                logger.warning("crm batch: chunk %d gave up waiting for the one before it", job.number)
                raise _Void
            if prior.outcome != "planned":
                raise _Void  # this plan started from the prior's, or that one failed

    def _decide_inside(self, rows: list[BatchRow], now: dt.datetime) -> list[Failure]:
        failures: list[Failure] = []
        for set_based, run in _runs(rows):
            if set_based and self.bulk is not None:
                try:
                    with transaction.atomic():
                        plan = self.bulk.plan(run, now, lock=True)
                        writes = self.bulk.writes(plan, now)
                        self.bulk.write_new(writes)
                        self.bulk.write_ends(writes, now)
                    failures += plan.failures
                    continue
                except IntegrityError:
                    pass
            failures += _apply_with_actions(self.batch, run, self.products, now)
        return failures

    def _progress(self, job: _Job, failures: list[Failure]) -> None:
        batch, chunk, base = self.batch, job.chunk, self.base
        bad: list[tuple[int, BatchLineError | BatchRow, str | None, str]] = [
            (error.line_no, error, None, error.reason) for error in chunk.errors
        ]
        bad += [(row.line_no, row, code, reason) for row, code, reason in failures]
        bad.sort(key=lambda entry: entry[0])  # the exception file follows the batch file
        for line_no, item, code, reason in bad:
            self.writer.write(item, code=code, reason=f"第 {base + line_no - 1} 行：{reason}")
        self.exc_fh.flush()
        os.fsync(self.exc_fh.fileno())
        total = len(chunk.rows) + len(chunk.errors)
        batch.lines_total += total
        batch.lines_failed += len(bad)
        batch.lines_applied += total - len(bad)
        batch.committed_offset = chunk.offset
        batch.committed_line = base + chunk.lines - 1
        batch.exception_offset = self.exc_fh.tell()
        batch.heartbeat_at = job.now
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


def _runs(rows: list[BatchRow]) -> Iterator[tuple[bool, list[BatchRow]]]:
    """Consecutive rows (in line order) the set-based path takes, or not (account records)."""
    run: list[BatchRow] = []
    set_based = True
    for row in rows:
        takes = row.update_type in (SUBSCRIBE, UNSUBSCRIBE)
        if takes is not set_based and run:
            yield set_based, run
            run = []
        set_based = takes
        run.append(row)
    if run:
        yield set_based, run


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


def apply(
    batch: CrmBatchFile | int,
    *,
    mode: str = "bulk",
    chunk_lines: int | None = None,
    resume: bool = False,
    crash_after_chunks: int | None = None,
    committers: int | None = None,
) -> CrmBatchFile:
    """Apply (or resume) a received batch file; a file already done is returned unchanged.
    ``chunk_lines``: lines per committed transaction (default by mode); ``committers``:
    connections committing chunks in turn while the next chunks are prepared (default
    :data:`COMMITTERS`, none for what is left of a file under :data:`PIPELINE_BYTES`; 0: this
    thread does everything, as always inside a transaction or when not set-based on
    PostgreSQL)."""
    batch_id = batch if isinstance(batch, int) else batch.pk
    claimed = _claim(batch_id, resume)
    if claimed is None:
        return CrmBatchFile.objects.get(pk=batch_id)
    batch = claimed
    size = chunk_lines or (CHUNK_LINES if mode == "bulk" else ACTIONS_CHUNK_LINES)
    started = batch.started_at or clock.now()
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
        fh.seek(batch.committed_offset or len(header_line))
        if committers is None:
            committers = COMMITTERS if batch.size - fh.tell() > PIPELINE_BYTES else 0
        reader = BatchReader(fh, allowed_update_types=UPDATE_TYPES, header=header_line)
        exc_fh, writer = _open_exceptions(batch, started)
        try:
            applier = _Applier(batch, mode, base, writer, exc_fh)
            chunks = _chunks(reader, size)
            todo = chunks if crash_after_chunks is None else itertools.islice(chunks, crash_after_chunks)
            with _no_cyclic_gc():
                if connection.in_atomic_block or applier.bulk is None or committers < 1:
                    _commit_in_turn(applier, todo)
                else:
                    _commit_pipelined(applier, todo, committers)
            if crash_after_chunks is not None and next(chunks, None) is not None:
                raise SimulatedCrash(f"stopped after {crash_after_chunks} chunks")
            return _finish(batch, writer, exc_fh)
        finally:
            exc_fh.close()


_gc_lock = threading.Lock()
_gc_pause = {"holders": 0, "was_enabled": False}


@contextlib.contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """The cyclic garbage collector paused (reference counting frees what a chunk allocates;
    the collector's passes over hundreds of thousands of young objects cost a third of the
    Python time of a large file). Concurrent uses keep it paused until the last one ends."""
    with _gc_lock:
        if not _gc_pause["holders"]:
            _gc_pause["was_enabled"] = gc.isenabled()
            gc.disable()
        _gc_pause["holders"] += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pause["holders"] -= 1
            if not _gc_pause["holders"] and _gc_pause["was_enabled"]:
                gc.enable()


def _commit_in_turn(applier: _Applier, chunks: Iterator[_Chunk]) -> None:
    """Each chunk planned and committed before the next is read (inside a caller's transaction
    every statement must run on its connection)."""
    for chunk in chunks:
        job = applier.plan(chunk)
        if applier.commit(job) == "conflict":
            applier.commit(applier.inside(job))


def _commit_pipelined(applier: _Applier, chunks: Iterator[_Chunk], committers: int) -> None:
    """``committers`` threads, each with its own connection, commit the chunks in turn
    (PostgreSQL writes one chunk's new rows while it commits the one before), and this thread
    reads, parses, decides and renders the next chunk meanwhile: both cores are busy.

    Commits stay in file order, one after the other: a job writes its new rows at once but ends
    relations, writes its exception lines and progress and commits only once the job before it
    has committed (:meth:`_Applier.commit`). A plan starts from the plans still in flight for the
    users they share; when one of those is not committed as planned, the jobs after it roll
    back and are planned again from the committed state."""
    pools = [ThreadPoolExecutor(1, thread_name_prefix=f"crm-commit-{n}") for n in range(committers)]
    assert applier.bulk is not None
    applier.bulk.marks = _Marks(later=True)
    inflight: deque[tuple[_Job, Future[str]]] = deque()

    def submit(job: _Job) -> None:
        prior = inflight[-1][0] if inflight else None
        inflight.append((job, pools[job.number % committers].submit(applier.commit, job, prior)))

    def settle_oldest() -> bool:
        """Wait for the oldest job; False when it was not committed as planned: then the jobs
        after it roll back, and all are committed again here, one by one (nothing beside)."""
        job, future = inflight.popleft()
        outcome = future.result()
        if outcome in ("planned", "decided"):
            return True
        redo = [(job, outcome == "conflict")]
        while inflight:
            later, pending = inflight.popleft()
            pending.result()  # void: it waited for this one
            redo.append((later, False))
        for again, conflicted in redo:  # each planned once the one before has committed
            submit(applier.inside(again) if conflicted else applier.replan(again))
            if inflight.popleft()[1].result() == "conflict":
                submit(applier.inside(again))
                inflight.popleft()[1].result()
        return False

    try:
        for chunk in chunks:
            job = applier.plan(chunk, [queued.plan for queued, _f in inflight if queued.plan is not None])
            stale = False
            while inflight and (job.plan is None or len(inflight) >= committers):
                stale = not settle_oldest() or stale
            if stale and job.plan is not None:
                job = applier.replan(job)
            submit(job)
            if job.plan is None:  # decided inside its transaction: nothing runs beside it
                settle_oldest()
        while inflight:
            settle_oldest()
    finally:
        for pool in pools:  # each thread closes its connection
            pool.submit(connections.close_all).result()
            pool.shutdown()
        applier.bulk.marks.close()


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
