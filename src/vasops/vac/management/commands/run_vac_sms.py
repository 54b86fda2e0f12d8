"""VAC's SMS self-service over SGIP 1.2: ``manage.py run_vac_sms --port 8801``. Serves the SGIP
server the SMS gateway delivers users' messages and reports to, and sends the queued user SMS
every ``--every`` seconds (vasops.vac.sms)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from asgiref.sync import sync_to_async
from django.core.management.base import BaseCommand
from django.db import close_old_connections

from vasops.vac.sms import outbox
from vasops.vac.sms.server import SgipServer

log = logging.getLogger("vasops.vac.sms")


def _send() -> dict[str, int]:
    close_old_connections()
    return outbox.send_due()


class Command(BaseCommand):
    help = "运行 VAC 短信自助服务（SGIP 1.2：接收用户短信与状态报告，发送二次确认与查询结果短信）"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="0.0.0.0")  # noqa: S104
        parser.add_argument("--port", type=int, default=8801)
        parser.add_argument("--every", type=float, default=2.0, help="seconds between sending rounds")

    def handle(self, *args: Any, **options: Any) -> None:
        async def main() -> None:
            server = SgipServer()
            port = await server.start(options["host"], options["port"])
            self.stdout.write(f"VAC SGIP server listening on {options['host']}:{port}")
            try:
                while True:
                    try:
                        await sync_to_async(_send, thread_sensitive=True)()
                    except Exception:
                        log.exception("vac sms: sending round failed")
                    await asyncio.sleep(options["every"])
            finally:
                await server.close()

        asyncio.run(main())
