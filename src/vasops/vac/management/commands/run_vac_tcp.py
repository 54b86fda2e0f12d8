"""Serve the VAC binary real-time interface: ``manage.py run_vac_tcp --port 9999``."""

from __future__ import annotations

import asyncio
from typing import Any

from django.core.management.base import BaseCommand

from vasops.vac import tcp_server


class Command(BaseCommand):
    help = "运行 VAC 实时鉴权计费二进制接口（TCP）"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="0.0.0.0")  # noqa: S104
        parser.add_argument("--port", type=int, default=9999)

    def handle(self, *args: Any, **options: Any) -> None:
        async def main() -> None:
            server = await tcp_server.serve(options["host"], options["port"])
            self.stdout.write(f"VAC TCP listening on {options['host']}:{options['port']}")
            async with server:
                await server.serve_forever()

        asyncio.run(main())
