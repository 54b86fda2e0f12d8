from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from vasops.admission import tasks


class Command(BaseCommand):
    help = "准入：处理逾期的接入资料期限（推迟到下月）并发送合同到期提醒（可重复运行）。"

    def handle(self, *args: Any, **options: Any) -> None:
        result = tasks.run_all()
        for key, value in result.items():
            self.stdout.write(f"{key}: {value}")
