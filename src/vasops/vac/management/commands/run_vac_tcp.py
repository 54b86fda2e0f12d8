"""Serve the VAC binary real-time interface alone: ``manage.py run_vac_tcp --port 9999`` (the same
server the gateway runs with ``--tcp-port``: vasops.vac.gateway.tcp; PostgreSQL and Redis)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from vasops.vac import gateway


class Command(BaseCommand):
    help = "运行 VAC 实时鉴权计费二进制接口（TCP，与网关内的二进制接口相同）"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="0.0.0.0")  # noqa: S104
        parser.add_argument("--port", type=int, default=9999)

    def handle(self, *args: Any, **options: Any) -> None:
        gateway.run_tcp(options["host"], options["port"])
