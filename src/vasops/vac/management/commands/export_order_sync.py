"""Order-relation sync files for the SPs (VAC.md C.1): ``manage.py export_order_sync --day 2026-03-10``
(incremental files of that Beijing day), ``--month 2026-03`` (full files of that month), ``--receipts``
(record the SPs' receipts). Re-running a day or month writes files only for SPs that have none yet."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from vasops.vac import syncfiles


class Command(BaseCommand):
    help = "生成定购关系同步文件（日增量 / 月全量）并读取 SP 回执"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--day", help="YYYY-MM-DD：生成该日（北京时间）的增量文件")
        parser.add_argument("--month", help="YYYY-MM：生成该月的全量文件")
        parser.add_argument("--receipts", action="store_true", help="读取 SP 写回的回执")

    def handle(self, *args: Any, **options: Any) -> None:
        if not (options.get("day") or options.get("month") or options.get("receipts")):
            raise CommandError("请指定 --day、--month 或 --receipts")
        if options.get("day"):
            try:
                day = dt.date.fromisoformat(options["day"])
            except ValueError as exc:
                raise CommandError(f"--day 格式应为 YYYY-MM-DD：{options['day']!r}") from exc
            self._report(f"{day} 增量", syncfiles.generate_day(day))
        if options.get("month"):
            try:
                month = dt.date.fromisoformat(options["month"] + "-01")
            except ValueError as exc:
                raise CommandError(f"--month 格式应为 YYYY-MM：{options['month']!r}") from exc
            self._report(f"{month:%Y-%m} 全量", syncfiles.generate_month(month))
        if options.get("receipts"):
            report = syncfiles.read_receipts()
            self.stdout.write(f"回执：已记录 {report.recorded} 个")
            for item in report.unknown:
                self.stderr.write(f"无对应文件，未处理：{item}")
            for item in report.errors:
                self.stderr.write(f"无法读取：{item}")

    def _report(self, label: str, files: list[Any]) -> None:
        records = sum(f.records for f in files)
        self.stdout.write(f"{label}：生成 {len(files)} 个文件，{records} 条记录")
        for f in files:
            self.stdout.write(f"  {f.path}（{f.records} 条）")
