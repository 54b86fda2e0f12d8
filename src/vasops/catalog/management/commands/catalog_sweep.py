from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from vasops.catalog import tasks


class Command(BaseCommand):
    help = "让到期的产品变更生效（可重复运行）。"

    def handle(self, *args: Any, **options: Any) -> None:
        n = tasks.apply_due_changes()
        self.stdout.write(f"{n} 个产品变更已生效")
