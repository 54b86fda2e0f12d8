"""State changes of the staff console: the demo clock (DEBUG demos only)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from vasops.console.events import ConsoleEvent
from vasops.core import audit, clock


@transaction.atomic(durable=True)
def set_demo_day(day: dt.date | None, *, actor: Any) -> dt.date:
    """Move the demo's business date (None: back to the real date); the move is audited on the
    person who made it. Refused outside DEBUG by ``clock.set_demo_day``."""
    before = clock.today()
    clock.set_demo_day(day)
    audit.record(
        actor=actor,
        action=ConsoleEvent.DEMO_CLOCK_SET,
        obj=actor,
        before={"today": before},
        after={"today": clock.today()},
    )
    return clock.today()
