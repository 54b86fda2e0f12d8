"""`manage.py run_sweeps`: the background worker. `--once` runs every sweep a single time (cron
style); without it the command loops and runs each sweep at its own interval."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from vasops.console import sweeps
from vasops.core import clock


class Command(BaseCommand):
    help = "Run the platform's periodic sweeps (idempotent): once, or as a long-running worker."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="run every sweep once and exit")
        parser.add_argument("--only", nargs="*", help="sweep names to run (default: all)")
        parser.add_argument("--tick", type=float, default=30.0, help="seconds between checks in loop mode")

    def handle(self, *args: Any, **options: Any) -> None:
        only = set(options["only"]) if options["only"] else None
        last_run: dict[str, Any] = {}
        while True:
            results = sweeps.run_due(last_run, clock.now(), only=only)
            for name, result in results.items():
                self.stdout.write(f"{name}: {result}")
            if options["once"]:
                return
            close_old_connections()
            time.sleep(options["tick"])
