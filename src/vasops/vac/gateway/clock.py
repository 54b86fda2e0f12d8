"""The gateway's clock: the wall clock in production; in the demo the business clock of the Django
side (``VASOPS_TODAY`` or the console's demo clock file ``var/demo_today``, core.clock), so the
gateway and the pages agree on the date (issue 11, "one clock in the demo").

Both settings exist only with ``DEBUG=1`` or under tests (settings.py), so a production gateway
never reads them; the choice is made once, at start (:meth:`BusinessClock.from_settings`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


def utc_now() -> dt.datetime:
    """The wall clock (aware, UTC). Tests of the gateway replace it."""
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True, slots=True)
class BusinessClock:
    demo: bool = False

    @classmethod
    def from_settings(cls) -> BusinessClock:
        from django.conf import settings

        return cls(
            demo=bool(
                getattr(settings, "VASOPS_TODAY", None) or getattr(settings, "VASOPS_DEMO_CLOCK_FILE", None)
            )
        )

    def now(self) -> dt.datetime:
        """Now on the business clock (aware, UTC)."""
        if not self.demo:
            return utc_now()
        from vasops.core import clock

        return clock.now()
