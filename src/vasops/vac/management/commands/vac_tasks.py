"""Run the VAC sweeps once: deliver due SP notifications, drop unconfirmed subscriptions."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from vasops.vac import tasks


class Command(BaseCommand):
    help = "VAC 后台任务：发送 SP 通知、清理超时未确认的订购"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--limit", type=int, default=100)

    def handle(self, *args: Any, **options: Any) -> None:
        report = tasks.deliver_notifications(options["limit"])
        dropped = tasks.drop_unconfirmed()
        self.stdout.write(
            f"delivered={report.delivered} retried={report.retried} failed={report.failed} dropped={dropped}"
        )
