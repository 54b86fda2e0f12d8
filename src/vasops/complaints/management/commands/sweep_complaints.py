"""Run the complaint SLA sweep once (the worker runs it every 15 minutes: console.sweeps)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from vasops.complaints import tasks


class Command(BaseCommand):
    help = "Escalate complaints whose partner answer or closure is past its working-hour limit."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(str(tasks.sweep_complaints()))
