from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from vasops.partners.tasks import send_qualification_reminders


class Command(BaseCommand):
    help = "资质到期提醒：到期前 30 天和 7 天各提醒一次（可重复运行）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="按该日期计算（YYYY-MM-DD），默认今天")

    def handle(self, *args: Any, **options: Any) -> None:
        day = dt.date.fromisoformat(options["date"]) if options.get("date") else None
        n = send_qualification_reminders(day)
        self.stdout.write(f"已发送 {n} 条资质到期提醒。")
