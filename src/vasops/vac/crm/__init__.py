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
  record (actor ``"crm"``); ``mode="bulk"`` (the default, PostgreSQL) is set-based: the state of
  a chunk's users read in two queries, the **same** :func:`vasops.vac.rules.decide` decisions
  taken in memory in line order, the rows written with COPY, ids drawn from the sequences in one
  query (:class:`_Bulk`). Outside a transaction the chunks are pipelined: this thread reads,
  parses, decides and renders the next chunk while :data:`COMMITTERS` connections write and
  commit the ones before, commits in file order (:func:`_commit_pipelined`) — bench/crm.py, a
  million lines, budget 60 s. Account records and a chunk whose plan met a concurrent write are
  decided inside their transaction (the actions for what the set-based path does not write).
  Either way the gateways' cached state of every user changed is dropped around the commit
  (:class:`_Marks`).

Record update types: ``1`` subscribe, ``2`` unsubscribe (C.3); ``10`` open account 开户 and ``11``
close account 销户 (ours [I]: spId/productId ``00000``). The SP learns of these changes only from
the order-relation sync files (VAC.md B.1: CRM batch orders are not notified by SOAP): their
notifications are written in the state ``file_only``.

Also the VAC → CRM exception file (:mod:`.exception_file`). CRM's real-time messages (account
open/close, number change: VAC 业务规范 4.6.1) are REST routes of ``vac.api`` on the actions.

The package, by subject: ``common`` (constants, products, line codes), ``receive`` (ingest),
``lines`` (per-line actions), ``bulk`` (set-based), ``marks`` (the gateways' cache around a chunk),
``applying`` (chunks, pipelining, resuming, the sweep), ``exception_file``.
"""

from vasops.vac.crm.applying import apply, apply_path, sweep
from vasops.vac.crm.bulk import _Bulk
from vasops.vac.crm.common import (
    ACTIONS_CHUNK_LINES,
    ACTOR,
    CHUNK_LINES,
    CLOSE_ACCOUNT,
    COMMITTERS,
    OPEN_ACCOUNT,
    SUBSCRIBE,
    UNSUBSCRIBE,
    UPDATE_TYPES,
    SimulatedCrash,
    inbox_dir,
    refusal,
    work_dir,
)
from vasops.vac.crm.marks import _each_user
from vasops.vac.crm.receive import ingest

__all__ = [
    "ACTIONS_CHUNK_LINES",
    "ACTOR",
    "CHUNK_LINES",
    "CLOSE_ACCOUNT",
    "COMMITTERS",
    "OPEN_ACCOUNT",
    "SUBSCRIBE",
    "UNSUBSCRIBE",
    "UPDATE_TYPES",
    "SimulatedCrash",
    "_Bulk",
    "_each_user",
    "apply",
    "apply_path",
    "inbox_dir",
    "ingest",
    "refusal",
    "sweep",
    "work_dir",
]
