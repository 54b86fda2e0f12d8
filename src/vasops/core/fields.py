"""Model fields of the platform."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models

from vasops.core import clock


class ClockDateTimeField(models.DateTimeField):
    """A ``DateTimeField`` whose ``auto_now`` / ``auto_now_add`` read the business clock
    (``core.clock.now``) instead of the wall clock: the same instant in production; in a demo or
    a test that moves the business date, every timestamp the platform writes (created, uploaded,
    tested, updated …) lands on that date, so timelines run in order."""

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        if self.auto_now or (self.auto_now_add and add):
            value: dt.datetime = clock.now()
            setattr(model_instance, self.attname, value)
            return value
        return super().pre_save(model_instance, add)
