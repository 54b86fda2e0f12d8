"""Export one day of usage records (CDRs) to zstd Parquet: ``manage.py export_cdrs --day 2026-03-10``
(default: yesterday, Asia/Shanghai). Re-running a day replaces that day's directory."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from vasops.vac import export


class Command(BaseCommand):
    help = "导出某一天的话单为 Parquet（zstd，按天分区）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--day", help="YYYY-MM-DD（北京时间的业务日，默认昨天）")
        parser.add_argument("--root", help="输出根目录（默认 settings.VASOPS_CDR_DIR）")

    def handle(self, *args: Any, **options: Any) -> None:
        from pathlib import Path

        root = Path(options["root"]) if options.get("root") else None
        if options.get("day"):
            try:
                day = dt.date.fromisoformat(options["day"])
            except ValueError as exc:
                raise CommandError(f"--day 格式应为 YYYY-MM-DD：{options['day']!r}") from exc
            result = export.export_day(day, root=root)
        else:
            from vasops.core import clock

            result = export.export_day(clock.today() - dt.timedelta(days=1), root=root)
        self.stdout.write(f"{result.day}: {result.rows} 条话单，费用合计 {result.fee_fen} 分 → {result.path}")
