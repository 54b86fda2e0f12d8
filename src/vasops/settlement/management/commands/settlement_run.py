"""Compute a month's settlement from the command line (or under ``spark-submit``):
``manage.py settlement_run --month 2026-12 [--engine pyspark] [--user zhao.fin]``. The run is
started as the given finance user and computed in this process; it then waits for approval by
another finance user in the console, as any run."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from vasops.core.errors import DomainError


class Command(BaseCommand):
    help = "计算某月结算（新版本），在本进程内执行"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--month", required=True, help="YYYY-MM")
        parser.add_argument("--engine", choices=["duckdb", "pyspark"], help="默认 VASOPS_SETTLEMENT_ENGINE")
        parser.add_argument("--user", required=True, help="发起计算的结算人员用户名")

    def handle(self, *args: Any, **options: Any) -> None:
        from django.conf import settings

        from vasops.core.models import User
        from vasops.settlement import actions, rules
        from vasops.settlement.models import SettlementRun

        month = rules.parse_month(options["month"])
        if month is None:
            raise CommandError(f"--month 格式应为 YYYY-MM：{options['month']!r}")
        user = User.objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"没有用户 {options['user']}")
        settings.VASOPS_SETTLEMENT_RUNNER = "inline"
        try:
            run = actions.start_run(actor=user, month=month, engine_name=options.get("engine"))
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        run = SettlementRun.objects.get(pk=run.pk)
        if run.state == SettlementRun.State.FAILED:
            raise CommandError(f"计算失败：{run.error}")
        self.stdout.write(
            f"{run}：{run.get_state_display()}，{run.partner_count} 个合作伙伴，{run.line_count} 行，"
            f"合作伙伴分成 {run.partner_share_fen} 分，耗时 {run.durations_ms}"
        )
