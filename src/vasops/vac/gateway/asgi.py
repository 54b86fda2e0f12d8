"""The JSON/HTTP twin of the binary interface: a plain ASGI application on the :class:`Engine`
(routes in the package docstring). The binary server starts with it when a TCP port is set."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import orjson

from vasops.vac import cache as c
from vasops.vac import rules
from vasops.vac.gateway import tcp
from vasops.vac.gateway.config import Config
from vasops.vac.gateway.engine import RC, Engine, answer

log = logging.getLogger("vasops.vac.gateway")

CHANNELS = rules.CHANNEL_NAMES
JSON_HEADERS = [(b"content-type", b"application/json")]


class BadRequest(Exception):
    pass


def _field(body: dict[str, Any], name: str, *, required: bool = True, size: int = 40) -> str:
    value = body.get(name, "")
    if value is None:
        value = ""
    if not isinstance(value, str) or len(value) > size or (required and not value):
        raise BadRequest(f"{name}: required text of at most {size} characters")
    return value


def _service_type(body: dict[str, Any]) -> str:
    value = _field(body, "service_type", required=False, size=2) or "00"
    if len(value) != 2 or not value.isdigit():
        raise BadRequest("service_type: two digits (00 = every service type)")
    return value


ROUTES = frozenset(
    {"/v1/auth", "/v1/price-check", "/v1/check", "/v1/subscribe", "/v1/unsubscribe", "/v1/confirm",
     "/v1/on-demand", "/v1/unsubscribe-all", "/v1/block", "/v1/restore"}
)  # fmt: skip


async def route(engine: Engine, path: str, body: dict[str, Any]) -> dict[str, Any]:
    if path not in ROUTES:  # before the body's fields are checked: an unknown route is a 404
        raise LookupError(path)
    msisdn = _field(body, "msisdn")
    if path in ("/v1/unsubscribe-all", "/v1/block", "/v1/restore"):
        service_type = _service_type(body)
        reason = _field(body, "reason", required=False, size=255)
        if path == "/v1/block":
            return await engine.block(msisdn, service_type=service_type, reason=reason)
        if path == "/v1/restore":
            return await engine.restore(msisdn, service_type=service_type, reason=reason)
        sp_id = _field(body, "sp_id", required=False, size=21)
        return await engine.unsubscribe_all(msisdn, service_type=service_type, sp_id=sp_id, reason=reason)
    sp_id = _field(body, "sp_id", size=21)
    product_id = _field(body, "product_id", size=21)
    if path == "/v1/auth":
        return await engine.authenticate(
            msisdn, sp_id, product_id, cdr_id=_field(body, "cdr_id", required=False, size=64) or None
        )
    if path == "/v1/price-check":
        return await engine.authenticate(msisdn, sp_id, product_id, commit_charge=False)
    if path == "/v1/check":
        return await engine.check(msisdn, sp_id, product_id)
    access_no = _field(body, "access_no", required=False, size=21)
    if path == "/v1/subscribe":
        channel = _field(body, "channel", required=False) or "sms"
        if channel not in CHANNELS:
            raise BadRequest(f"channel: one of {', '.join(sorted(CHANNELS))}")
        link_id = _field(body, "link_id", required=False, size=20)
        return await engine.subscribe(
            msisdn, sp_id, product_id, channel=channel, link_id=link_id, desc=access_no
        )
    if path == "/v1/unsubscribe":
        reason = _field(body, "reason", required=False, size=255)
        return await engine.unsubscribe(msisdn, sp_id, product_id, reason=reason, desc=access_no)
    if path == "/v1/confirm":
        link_id = _field(body, "link_id", required=False, size=20)
        result = await engine.confirm(msisdn, sp_id, product_id)
        return {**result, "link_id": link_id} if link_id else result
    return await engine.on_demand(  # /v1/on-demand
        msisdn,
        sp_id,
        product_id,
        link_id=_field(body, "link_id", required=False, size=20),
        cdr_id=_field(body, "cdr_id", required=False, size=64) or None,
        desc=access_no,
    )


Send = Callable[[dict[str, Any]], Awaitable[None]]
Receive = Callable[[], Awaitable[dict[str, Any]]]


class GatewayApp:
    """The ASGI application. The engine (pools) starts with the lifespan, or on first use."""

    def __init__(self, config: Config | None = None, *, tcp_port: int | None = None) -> None:
        self._config = config
        self.engine: Engine | None = None
        self.tcp_port = tcp_port
        self._tcp: tcp.BinaryServer | None = None
        self._lock = asyncio.Lock()

    async def _engine(self) -> Engine:
        if self.engine is None:
            async with self._lock:
                if self.engine is None:
                    engine = Engine(self._config or Config.from_settings())
                    await engine.start()
                    self.engine = engine
        return self.engine

    async def startup(self) -> None:
        engine = await self._engine()
        port = (
            self.tcp_port if self.tcp_port is not None else int(c.setting("VASOPS_VAC_GATEWAY_TCP_PORT", "0"))
        )
        if port:
            host = c.setting("VASOPS_VAC_GATEWAY_TCP_HOST", "0.0.0.0")  # noqa: S104
            self._tcp = await tcp.serve(engine, host, port, reuse_port=True)
        from vasops.vac.gateway import cli

        cli.settle_heap()

    def adopt_binary(self, sock: Any) -> None:
        """Serve a binary-interface connection accepted elsewhere (vac.gateway.workers)."""
        assert self.engine is not None
        if self._tcp is None:
            self._tcp = tcp.BinaryServer(self.engine)
            self._tcp.watch()
        self._tcp.adopt(sock)

    async def shutdown(self) -> None:
        if self._tcp is not None:
            await self._tcp.close()
        if self.engine is not None:
            await self.engine.stop()

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "lifespan":
            await self._lifespan(receive, send)
            return
        if kind != "http":
            return
        path = scope["path"]
        if scope["method"] == "GET" and path == "/health":
            await _reply(send, 200, b'{"status":"ok"}')
            return
        if scope["method"] != "POST":
            await _reply(send, 405, orjson.dumps(answer(RC.FIELD_INVALID, error="method not allowed")))
            return
        raw = b""
        while True:
            message = await receive()
            raw += message.get("body", b"")
            if not message.get("more_body"):
                break
        try:
            body = orjson.loads(raw)
            if not isinstance(body, dict):
                raise BadRequest("a JSON object is expected")
            result = await route(await self._engine(), path, body)
        except LookupError:
            await _reply(send, 404, orjson.dumps(answer(RC.FIELD_INVALID, error="no such route")))
            return
        except (BadRequest, orjson.JSONDecodeError) as exc:
            await _reply(send, 400, orjson.dumps(answer(RC.FIELD_INVALID, error=str(exc))))
            return
        except Exception:
            log.exception("vac gateway: %s failed", path)
            await _reply(send, 503, orjson.dumps(answer(RC.INTERNAL_ERROR)))
            return
        await _reply(send, 200, orjson.dumps(result))

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await self.startup()
                except Exception as exc:
                    log.exception("vac gateway: startup failed")
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return


async def _reply(send: Send, status: int, body: bytes) -> None:
    headers = [*JSON_HEADERS, (b"content-length", b"%d" % len(body))]  # not chunked
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


app = GatewayApp()
