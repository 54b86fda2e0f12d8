from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from vasops.partners.actions import apply_due_bank_changes


class Command(BaseCommand):
    help = "基本信息变更：到生效日（下一结算周期首日）的银行账户变更切换为当前账户（可重复运行）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="按该日期计算（YYYY-MM-DD），默认今天")

    def handle(self, *args: Any, **options: Any) -> None:
        day = dt.date.fromisoformat(options["date"]) if options.get("date") else None
        applied = apply_due_bank_changes(day)
        self.stdout.write(f"已生效 {len(applied)} 项银行账户变更。")
