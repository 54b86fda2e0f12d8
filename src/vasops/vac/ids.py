"""Identifiers minted by VAC: usage-record (CDR) ids and on-demand LinkIDs.

Both the Django actions and the gateway use these, so an id has one shape wherever it was made.
A process draws 64 random bits once (again after a fork) and counts from a random start, so ids
are unique across processes and restarts without a system call per id (``uuid4`` costs a
``getrandom`` each: 5 % of the gateway's on-demand time)."""

from __future__ import annotations

import itertools
import os


def _draw() -> tuple[str, itertools.count[int]]:
    return os.urandom(8).hex(), itertools.count(int.from_bytes(os.urandom(6), "big"))


_prefix, _counter = _draw()


def _redraw() -> None:
    global _prefix, _counter
    _prefix, _counter = _draw()


os.register_at_fork(after_in_child=_redraw)


def cdr_id() -> str:
    """``U`` + 32 hex digits: 16 random per process, 16 of a counter."""
    return f"U{_prefix}{next(_counter) & 0xFFFFFFFFFFFFFFFF:016x}"


def link_id() -> str:
    """20 hex digits (the LinkID field is 20 bytes): 8 random per process, 12 of a counter."""
    return f"{_prefix[:8]}{next(_counter) & 0xFFFFFFFFFFFF:012x}"
