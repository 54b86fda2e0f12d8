"""manage.py detect_charging [--day YYYY-MM-DD]: the daily detection of unauthorised charging."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from vasops.compliance.detection import tasks
from vasops.core.errors import DomainError


class Command(BaseCommand):
    help = "异常扣费检测：计算某日（默认：之前 7 天中尚未检测的日期）各产品的检测值并记录疑点。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--day", help="检测日期 YYYY-MM-DD（已结束的日期）")

    def handle(self, *args: Any, **options: Any) -> None:
        if options.get("day"):
            try:
                day = dt.date.fromisoformat(options["day"])
            except ValueError as exc:
                raise CommandError("--day 应为 YYYY-MM-DD") from exc
            try:
                run = tasks.run_detection(day)
            except DomainError as exc:
                raise CommandError(exc.full_message) from exc
            self.stdout.write(f"{run.day}: {run.products} products, {run.hits} hits")
        else:
            result = tasks.run_due()
            self.stdout.write(f"{result['days']} days checked, {result['hits']} hits")
