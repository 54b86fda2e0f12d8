"""The reconciliation sweep (idempotent; run by the worker through console/sweeps.py)."""

from __future__ import annotations

import datetime as dt

from vasops.core import clock
from vasops.settlement.reconciliation import actions, queries


def sweep_disputes(now: dt.datetime | None = None) -> int:
    """Escalate, once each, the disputes finance did not decide within their deadline."""
    moment = now or clock.now()
    return sum(actions.escalate_overdue(pk, now=moment) for pk in queries.overdue_dispute_ids(moment))
