"""CRM batch files: receive what is in the inbox (settings.VASOPS_CRM_INBOX), apply every received
file, resume every file whose worker stopped. ``--file PATH`` receives and applies one file;
``--loop SECONDS`` keeps sweeping (the worker)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from vasops.vac import crm


class Command(BaseCommand):
    help = "接收并处理 CRM 批量文件（收件目录），中断的文件从最后提交的位置继续"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--file", help="接收并处理这一个文件")
        parser.add_argument("--mode", choices=["bulk", "actions"], default="bulk")
        parser.add_argument("--loop", type=float, default=0, help="每隔多少秒扫描一次（0 = 只扫描一次）")

    def handle(self, *args: Any, **options: Any) -> None:
        if options.get("file"):
            batch = crm.apply_path(Path(options["file"]), mode=options["mode"])
            self._report([batch])
            return
        while True:
            self._report(crm.sweep(mode=options["mode"]))
            if not options["loop"]:
                return
            time.sleep(options["loop"])

    def _report(self, batches: list[Any]) -> None:
        for b in batches:
            self.stdout.write(
                f"{b.name}: {b.get_state_display()}，共 {b.lines_total} 行，"
                f"成功 {b.lines_applied}，异常 {b.lines_failed}"
            )
