"""Identifiers minted by VAC: usage-record (CDR) ids and on-demand LinkIDs.

Both the Django actions and the gateway use these, so an id has one shape wherever it was made.
A process draws its random parts once (again after a fork) and counts from a random start, so ids
are unique across processes and restarts without a system call per id (``uuid4`` costs a
``getrandom`` each: 5 % of the gateway's on-demand time).

* :func:`cdr_id` — ``U`` + 32 hex digits, for a use the caller gave no id to.
* :func:`binary_cdr_id` — ``B<yyyymmdd>-<SourceDevice_ID>-<SequenceNumber>`` for a charge of the
  binary interface: the SequenceNumber (``MMDDHHMMSS`` + device + 4-digit counter, VAC.md A.6.6)
  has no year and repeats every year, so the date it was made on is part of the id (unique for
  ever; a re-sent request within days keeps its id).
* :func:`link_id` — ``MMDDHHMMSS`` + 10 digits (VAC.md B.3 / A.7), Beijing time.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
from typing import Any
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _draw() -> tuple[str, itertools.count[int], int]:
    return (
        os.urandom(8).hex(),
        itertools.count(int.from_bytes(os.urandom(6), "big")),
        int.from_bytes(os.urandom(5), "big") % 10**10,
    )


_prefix, _counter, _link_offset = _draw()


def _redraw() -> None:
    global _prefix, _counter, _link_offset
    _prefix, _counter, _link_offset = _draw()


os.register_at_fork(after_in_child=_redraw)


def cdr_id() -> str:
    """``U`` + 32 hex digits: 16 random per process, 16 of a counter."""
    return f"U{_prefix}{next(_counter) & 0xFFFFFFFFFFFFFFFF:016x}"


_second: list[Any] = [None, ""]  # (epoch second, its MMDDHHMMSS): strftime once a second


def link_id(now: dt.datetime) -> str:
    """``MMDDHHMMSS`` (Beijing) + 10 digits: a per-process random offset plus a counter."""
    second = int(now.timestamp())
    if _second[0] != second:
        _second[:] = [second, now.astimezone(SHANGHAI).strftime("%m%d%H%M%S")]
    return f"{_second[1]}{(_link_offset + next(_counter)) % 10**10:010d}"


def sequence_day(sequence_number: str, received: dt.datetime) -> dt.date:
    """The day a binary SequenceNumber was made on: its ``MMDD`` in the year that puts it nearest
    to ``received`` (Beijing), or the day received when it does not start with a date."""
    today = received.astimezone(SHANGHAI).date()
    head = sequence_number[:4]
    if len(head) == 4 and head.isdigit():
        month, day = int(head[:2]), int(head[2:])
        candidates = []
        for year in (today.year - 1, today.year, today.year + 1):
            try:
                candidates.append(dt.date(year, month, day))
            except ValueError:
                continue
        if candidates:
            return min(candidates, key=lambda d: abs((d - today).days))
    return today


def binary_cdr_id(device: str, sequence_number: str, received: dt.datetime) -> str:
    """``B<yyyymmdd>-<device>-<SequenceNumber>``: unique for ever, the same for a re-sent request."""
    return f"B{sequence_day(sequence_number, received):%Y%m%d}-{device}-{sequence_number}"
