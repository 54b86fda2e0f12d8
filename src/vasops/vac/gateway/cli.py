"""The command line of the gateway: ``python -m vasops.vac.gateway`` (JSON + binary) and
``manage.py run_vac_tcp`` (the binary interface alone)."""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import signal

GC_THRESHOLD = (20_000, 20, 20)


def settle_heap() -> None:
    """After start-up: move everything allocated so far (modules, pools, the warmed caches) out of
    the collector's sight (``gc.freeze``) and collect the young generation less often. A full
    collection walked the whole start-up heap every few thousand requests — pauses of several
    milliseconds that showed as the p99 of a run (docs/performance.md, "variance").
    ``VASOPS_VAC_GATEWAY_GC_FREEZE=0`` keeps Python's defaults."""
    if setting("VASOPS_VAC_GATEWAY_GC_FREEZE", "1") in ("0", "false"):
        return
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)


def setting(name: str, default: str) -> str:
    return os.environ.get(name, default)


def main(argv: list[str] | None = None) -> None:
    """``vasops-gateway``: serve the ASGI app with uvicorn (uvloop + httptools)."""
    parser = argparse.ArgumentParser(prog="vasops-gateway", description="VAC hot-path gateway (ASGI)")
    parser.add_argument("--host", default=setting("VASOPS_VAC_GATEWAY_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(setting("VASOPS_VAC_GATEWAY_PORT", "8100")))
    parser.add_argument("--workers", type=int, default=int(setting("VASOPS_VAC_GATEWAY_WORKERS", "1")))
    parser.add_argument(
        "--tcp-port", type=int, default=None, help="also serve the binary CheckPrice interface"
    )
    parser.add_argument("--log-level", default="warning")
    args = parser.parse_args(argv)
    proxy_headers = setting("VASOPS_VAC_GATEWAY_PROXY_HEADERS", "0") in ("1", "true")
    if args.workers > 1:  # the parent deals the connections to the workers (vac.gateway.workers)
        from vasops.vac.gateway import workers

        tcp_port = (
            args.tcp_port if args.tcp_port is not None else int(setting("VASOPS_VAC_GATEWAY_TCP_PORT", "0"))
        )
        workers.serve(
            workers.Options(
                host=args.host,
                port=args.port,
                workers=args.workers,
                tcp_host=setting("VASOPS_VAC_GATEWAY_TCP_HOST", "0.0.0.0"),  # noqa: S104
                tcp_port=tcp_port,
                log_level=args.log_level,
                proxy_headers=proxy_headers,
            )
        )
        return
    if args.tcp_port is not None:
        os.environ["VASOPS_VAC_GATEWAY_TCP_PORT"] = str(args.tcp_port)
    import uvicorn

    uvicorn.run(
        "vasops.vac.gateway:app",
        host=args.host,
        port=args.port,
        loop="uvloop",
        http="httptools",
        lifespan="on",
        access_log=False,
        log_level=args.log_level,
        backlog=4096,
        # Gateways call this service directly; behind a proxy set VASOPS_VAC_GATEWAY_PROXY_HEADERS=1
        # (the X-Forwarded-* rewrite is 3 % of a request's time when nothing needs it).
        proxy_headers=proxy_headers,
        server_header=False,
    )


def run_tcp(host: str, port: int) -> None:
    """The binary interface alone (one process, uvloop when installed), until SIGTERM / SIGINT."""
    from vasops.vac.gateway import tcp
    from vasops.vac.gateway.config import Config
    from vasops.vac.gateway.engine import Engine

    async def serve() -> None:
        engine = Engine(Config.from_settings())
        await engine.start()
        server = await tcp.serve(engine, host, port)
        settle_heap()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        print(f"VAC binary interface listening on {host}:{server.port}", flush=True)
        try:
            await stop.wait()
        finally:
            await server.close()
            await engine.stop()

    try:
        import uvloop

        uvloop.run(serve())
    except ImportError:
        asyncio.run(serve())
