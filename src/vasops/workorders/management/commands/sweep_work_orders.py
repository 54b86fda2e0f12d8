from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from vasops.workorders.tasks import sweep_work_orders


class Command(BaseCommand):
    help = "标记超期工单、提醒即将到期的处理人、把超期工单升级给部门负责人（可重复运行）。"

    def handle(self, *args: Any, **options: Any) -> None:
        result = sweep_work_orders()
        self.stdout.write(" ".join(f"{k}={v}" for k, v in result.items()))
