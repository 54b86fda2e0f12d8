"""Serve the VAC hot-path gateway: ``manage.py run_vac_gateway --port 8100 --workers 2 [--tcp-port 9999]``
(the same as ``python -m vasops.vac.gateway``)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from vasops.vac import gateway


class Command(BaseCommand):
    help = "运行 VAC 鉴权网关（ASGI：JSON/HTTP，可选二进制 TCP）"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8100)
        parser.add_argument("--workers", type=int, default=1)
        parser.add_argument("--tcp-port", type=int, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        argv = [
            "--host",
            options["host"],
            "--port",
            str(options["port"]),
            "--workers",
            str(options["workers"]),
        ]
        if options["tcp_port"] is not None:
            argv += ["--tcp-port", str(options["tcp_port"])]
        gateway.main(argv)
