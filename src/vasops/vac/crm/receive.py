"""Receiving a CRM batch file once: stored while hashed; the same content or the same file name
+ header sequence is not received twice."""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from pathlib import Path
from typing import IO, Any

from django.core.files import File
from django.db import IntegrityError, transaction

from vasops.core import audit, clock
from vasops.core.models import Document
from vasops.vac.crm.common import ACTOR, KIND_SOURCE, work_dir
from vasops.vac.events import VacEvent
from vasops.vac.models import CrmBatchFile
from vasops.vac.protocol import crm_batch
from vasops.vac.protocol.crm_batch import BatchReader

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
                        action=VacEvent.CRM_BATCH_RECEIVED,
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
