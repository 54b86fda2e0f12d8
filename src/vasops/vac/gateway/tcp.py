"""The binary real-time authentication interface (VAC.md Part A) on the :class:`Engine`: the one
TCP server of the VAC, started by the gateway (``--tcp-port``) or alone (``manage.py run_vac_tcp``).

Connection life (A.1): the first PDU is **Bind**; Handset is answered; **UnBind** is answered and
the link closed; a link without any PDU for ``idle_timeout`` seconds is closed.

Bind (A.6.1), checked in this order, every refusal closes the link:

* unknown SourceDevice_ID → 3; the device's authenticator (MD5 of id + secret + Time_Stamp) does
  not match → 4. The 16-hex-character variant is accepted only for a device configured with
  ``hex16`` (never by default);
* Time_Stamp (``MMDDHHMMSS``, Beijing time, the year nearest to now) further than ``bind_skew``
  from the wall clock → 105: a replayed Bind;
* the device is bound on another connection (of any gateway process: the binding is kept in
  Redis) → 5. A second Bind on the connection already bound answers 5 and keeps the link.

CheckPrice (A.6.6) by Operation_Type (A.8.4): 0 authenticate and charge, 1 subscribe, 2
unsubscribe, 3 unsubscribe all, 4 on-demand, 6 check, 7 block, 8 restore; the user is FA, or OA
when FA is empty. Then:

* op 1 needs the OrderMethod TLV, read with the code table of ``vac.rules.ORDER_METHODS`` (missing
  or unknown → 100). From a device that confirms orders itself (SPMS, device type 24: A.10) the
  relation is active at once and the SP is notified (updateType 1); from others the usual double
  confirmation applies. AccessNo → updateDesc, SMSContent → content.
* op 0 with Service_updown_Type 1 (MO) on a per-use product is the MO on-demand of A.10: charged
  now, NeedConfirm 0, the SP notified (updateType 3), the LinkID answered. Any other charging
  op 0 answers NeedConfirm 1 and charges when CheckPriceConfirm (same SequenceNumber, ErrCode 0)
  arrives within ConfirmInterval (60 s) on the same connection; later → 8, nothing charged.
* A charge's CDR id is ``B<yyyymmdd>-<device>-<SequenceNumber>`` (vac.ids.binary_cdr_id): unique
  for ever. A re-sent request answers as the first time (the same LinkID); a different request
  under the same id answers 3105 (CDR duplicated).

Malformed PDUs are answered per ``protocol.binary.error_response``; a TotalLength outside
12..30 KiB is answered 1 and the link closed (after the answer is read: the rest of the input is
discarded, so the peer does not get a reset instead of the answer).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
import struct
from dataclasses import dataclass, field
from typing import Any

from vasops.vac import ids, rules
from vasops.vac.gateway import clock
from vasops.vac.gateway.config import Device
from vasops.vac.gateway.engine import RC, Engine
from vasops.vac.protocol import binary as b

log = logging.getLogger("vasops.vac.gateway.tcp")

CONFIRM_INTERVAL_SECONDS = 60
MAX_PENDING = 10_000  # unconfirmed charges kept per connection
BIND_TTL_MS = 60_000  # a process that dies frees its devices after this
LINGER_SECONDS = 2.0
SHANGHAI = rules.SHANGHAI

# KEYS: device key. ARGV: token, ttl ms. Extends the binding when it is ours.
_REFRESH_LUA = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""
_RELEASE_LUA = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def timestamp_skew(time_stamp: str, now: dt.datetime) -> dt.timedelta | None:
    """How far a Bind's ``MMDDHHMMSS`` (Beijing) lies from ``now``, taking the year that puts it
    nearest; None when it names no instant (e.g. 0230)."""
    local = now.astimezone(SHANGHAI)
    month, day, hour, minute, second = (int(time_stamp[i : i + 2]) for i in range(0, 10, 2))
    best: dt.timedelta | None = None
    for year in (local.year - 1, local.year, local.year + 1):
        try:
            when = dt.datetime(year, month, day, hour, minute, second, tzinfo=SHANGHAI)
        except ValueError:
            continue
        skew = abs(when - local)
        if best is None or skew < best:
            best = skew
    return best


@dataclass(slots=True)
class Pending:
    msisdn: str
    sp_id: str
    product_code: str
    cdr_id: str
    deadline: float


@dataclass(slots=True, eq=False)
class Session:
    """One connection: its bound device (None before Bind) and its unconfirmed charges."""

    device: str | None = None
    device_type: int = 0
    config: Device | None = None
    token: str = ""
    pending: dict[str, Pending] = field(default_factory=dict)
    writer: Any = None
    last_seen: float = 0.0  # loop time of the last PDU (the idle watchdog reads it)

    def __hash__(self) -> int:
        return id(self)


class BinaryServer:
    """The listening socket, the sessions and the devices they hold in Redis."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.server: asyncio.Server | None = None
        self.sessions: set[Session] = set()
        self._refresher: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def port(self) -> int:
        assert self.server is not None and self.server.sockets
        return int(self.server.sockets[0].getsockname()[1])

    async def start(self, host: str, port: int, **kwargs: Any) -> None:
        self.server = await asyncio.start_server(self.handle, host, port, **kwargs)
        self.watch()

    def watch(self) -> None:
        """Start the idle watchdog and the bindings' refresher (once)."""
        if self._refresher is None:
            self._refresher = asyncio.get_running_loop().create_task(self._watch())

    def adopt(self, sock: Any) -> None:
        """Serve a connection accepted by another process (vac.gateway.workers)."""
        task = asyncio.get_running_loop().create_task(self._adopt(sock))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _adopt(self, sock: Any) -> None:
        reader, writer = await asyncio.open_connection(sock=sock)
        await self.handle(reader, writer)

    async def close(self) -> None:
        if self._refresher is not None:
            self._refresher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._refresher
        if self.server is not None:
            self.server.close()
        for session in list(self.sessions):
            await self._release(session)

    # --- device bindings (Redis, shared by every process) ---------------------------------

    def _key(self, device: str) -> str:
        assert self.engine.cache is not None
        return self.engine.cache.keys.device(device)

    async def _claim(self, session: Session, device: str) -> bool:
        assert self.engine.cache is not None
        token = f"{os.getpid()}:{id(session)}:{os.urandom(4).hex()}"
        ok = await self.engine.cache.redis.execute("SET", self._key(device), token, "NX", "PX", BIND_TTL_MS)
        if ok is None:
            return False
        session.token = token
        return True

    async def _release(self, session: Session) -> None:
        self.sessions.discard(session)
        if session.device is None or self.engine.cache is None:
            return
        device, session.device = session.device, None
        with contextlib.suppress(Exception):
            await self.engine.cache.redis.script(_RELEASE_LUA, [self._key(device)], [session.token])

    async def _watch(self) -> None:
        """Every second: close the links idle for ``idle_timeout``; every 20 s: extend the
        bindings of the devices bound here (a process that dies frees them after BIND_TTL_MS)."""
        loop = asyncio.get_running_loop()
        idle = self.engine.config.idle_timeout
        next_refresh = loop.time() + BIND_TTL_MS / 3000
        while True:
            await asyncio.sleep(1.0)
            now = loop.time()
            for session in list(self.sessions):
                if session.writer is not None and now - session.last_seen > idle:
                    log.info("vac binary: %s idle for %.0f s, closed", session.device, idle)
                    session.writer.close()
            if now < next_refresh:
                continue
            next_refresh = now + BIND_TTL_MS / 3000
            assert self.engine.cache is not None
            for session in list(self.sessions):
                if session.device is None:
                    continue
                try:
                    await self.engine.cache.redis.script(
                        _REFRESH_LUA, [self._key(session.device)], [session.token, BIND_TTL_MS]
                    )
                except Exception:
                    log.exception("vac binary: refreshing the binding of %s failed", session.device)

    # --- the connection ---------------------------------------------------------------------

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        loop = asyncio.get_running_loop()
        session = Session(writer=writer, last_seen=loop.time())
        self.sessions.add(session)
        frames = b.FrameReader()
        try:
            while True:
                chunk = await reader.read(65536)
                if not chunk:
                    return
                session.last_seen = loop.time()
                try:
                    pdus = frames.feed(chunk)
                except b.ProtocolError as exc:
                    for pdu in exc.frames:
                        if not await self._one(pdu, session, writer):
                            return
                    writer.write(_error_pdu(exc))
                    await _linger(reader, writer)
                    return
                for pdu in pdus:
                    if not await self._one(pdu, session, writer):
                        await writer.drain()
                        return
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            await self._release(session)
            writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await writer.wait_closed()

    async def _one(self, pdu: bytes, session: Session, writer: asyncio.StreamWriter) -> bool:
        """Answer one PDU; False when the link is to be closed."""
        try:
            msg = b.decode(pdu)
        except b.ProtocolError as exc:
            resp = b.error_response(exc)
            if resp is None:  # unknown command or unreadable: log and close (A.4)
                log.info("vac binary: %s", exc)
                return False
            writer.write(b.encode(resp))
            return True
        try:
            resp, keep = await self._dispatch(msg, session)
        except Exception:
            log.exception("vac binary: request failed")
            if not isinstance(msg, b.CheckPrice | b.CheckPriceConfirm):
                return False
            resp, keep = _failure(msg, RC.INTERNAL_ERROR), True
        if resp is not None:
            writer.write(b.encode(resp))
        return keep

    async def _dispatch(self, msg: b.Message, session: Session) -> tuple[b.Message | None, bool]:
        """(response, keep the link open)."""
        if isinstance(msg, b.Bind):
            code = await self._bind(msg, session)
            return b.BindResp(sequence_id=msg.sequence_id, result_code=code), code == RC.SUCCESS or (
                code == RC.ALREADY_BOUND and session.device is not None
            )
        if isinstance(msg, b.Handset):
            return b.HandsetResp(sequence_id=msg.sequence_id), True
        if isinstance(msg, b.UnBind):
            return b.UnBindResp(sequence_id=msg.sequence_id), False
        if session.device is None:
            error = b.ProtocolError(
                RC.NOT_BOUND, "not bound", command_id=msg.COMMAND_ID, sequence_id=msg.sequence_id
            )
            return b.error_response(error), True
        if isinstance(msg, b.CheckPrice):
            return await check_price(self.engine, msg, session), True
        if isinstance(msg, b.CheckPriceConfirm):
            return await check_price_confirm(self.engine, msg, session), True
        if isinstance(msg, b.TrafficPrice):  # body not specified anywhere (A.6.10)
            return b.TrafficPriceResp(sequence_id=msg.sequence_id, result_code=RC.FIELD_INVALID), True
        return None, True  # responses from the peer (HandsetResp …) need no answer

    async def _bind(self, msg: b.Bind, session: Session) -> RC:
        if session.device is not None:
            return RC.ALREADY_BOUND
        device = self.engine.config.devices.get(msg.source_device_id)
        if device is None:
            return RC.INVALID_ACCOUNT
        if not b.verify_bind(msg, device.secret, allow_hex16=device.hex16):
            return RC.AUTH_MISMATCH
        skew = timestamp_skew(msg.time_stamp, clock.utc_now())
        if skew is None or skew > self.engine.config.bind_skew:
            log.warning(
                "vac binary: Bind of %s with Time_Stamp %s refused", msg.source_device_id, msg.time_stamp
            )
            return RC.TIMESTAMP_INVALID
        if not await self._claim(session, msg.source_device_id):
            return RC.ALREADY_BOUND
        session.device, session.device_type, session.config = (
            msg.source_device_id,
            msg.source_device_type,
            device,
        )
        return RC.SUCCESS


async def _linger(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Send what is written, stop writing, and read the peer's input away until it closes (or a
    moment passes): closing with unread input would reset the link before the answer is read."""
    with contextlib.suppress(ConnectionError, OSError, TimeoutError):
        await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()
        deadline = asyncio.get_running_loop().time() + LINGER_SECONDS
        while (left := deadline - asyncio.get_running_loop().time()) > 0:
            if not await asyncio.wait_for(reader.read(65536), left):
                break


def _error_pdu(error: b.ProtocolError) -> bytes:
    """The answer to a PDU the stream cannot get past (bad TotalLength): the response of its
    command, or a bare Result_Code response for a request of unknown command."""
    resp = b.error_response(error)
    if resp is not None:
        return b.encode(resp)
    cmd, seq = error.command_id, error.sequence_id
    if cmd is None or seq is None or cmd & b.RESPONSE_BIT:
        return b""
    return struct.pack(">IIII", 16, cmd | b.RESPONSE_BIT, seq, int(error.code))


def _failure(msg: b.CheckPrice | b.CheckPriceConfirm, code: int) -> b.Message:
    if isinstance(msg, b.CheckPriceConfirm):
        return b.CheckPriceConfirmResp(sequence_id=msg.sequence_id, result_code=code)
    return _resp(msg, code)


def _resp(
    msg: b.CheckPrice, code: int, *, need_confirm: int = 0, link_id: str = "", note: str = ""
) -> b.CheckPriceResp:
    tlvs: list[b.Tlv] = []
    if link_id:
        tlvs.append(b.Tlv.of(b.TlvTag.LINK_ID, link_id))
    if code != RC.SUCCESS:
        text = note or (RC(code).en if code in RC._value2member_map_ else "")
        tlvs.append(b.Tlv.of(b.TlvTag.RETURN_MESSAGE, text[:200]))
    return b.CheckPriceResp(
        sequence_id=msg.sequence_id,
        result_code=int(code),
        confirm_interval=CONFIRM_INTERVAL_SECONDS if need_confirm == 1 and code == RC.SUCCESS else -1,
        need_confirm=need_confirm if code == RC.SUCCESS else -1,
        tlvs=tuple(tlvs),
    )


def _content(msg: b.CheckPrice) -> str:
    """The MO command word (SMSContent) as text, for the notification's ``content``."""
    raw = msg.sms_content
    if not raw:
        return ""
    fmt = msg.tlv(b.TlvTag.SMS_FORMAT)
    if (fmt or "0").strip() == "8":
        return raw.decode("utf-16-be", errors="replace")[:140]
    return raw.decode("gbk", errors="replace").rstrip("\x00")[:140]


async def _per_use(engine: Engine, sp_id: str, product_code: str) -> bool:
    info = await engine.product(sp_id, product_code)
    if isinstance(info, int):
        return False
    version = info.version_at(engine.now())
    return version is not None and version[1] in rules.PER_USE_MODES


async def check_price(engine: Engine, msg: b.CheckPrice, session: Session) -> b.CheckPriceResp:
    """CheckPrice → the operation of its Operation_Type (module docstring)."""
    op = rules.BINARY_OPS.get(msg.operation_type)
    if op is None:
        return _resp(msg, RC.FIELD_INVALID, note=f"Operation_Type {msg.operation_type} is not supported")
    assert session.device is not None and session.config is not None
    msisdn = msg.fa.number or msg.oa.number
    sp_id, service_id = msg.sp_id, msg.service_id
    service_type = msg.service_type or "00"
    desc = msg.access_no or ""
    if op is rules.Op.BLOCK:
        result = await engine.block(msisdn, service_type=service_type)
    elif op is rules.Op.RESTORE:
        result = await engine.restore(msisdn, service_type=service_type)
    elif op is rules.Op.UNSUBSCRIBE_ALL:
        result = await engine.unsubscribe_all(msisdn, service_type=service_type, sp_id=sp_id)
    elif op is rules.Op.SUBSCRIBE:
        channel = rules.order_method_channel(msg.order_method, engine.config.order_methods)
        if channel is None:
            return _resp(msg, RC.FIELD_INVALID, note=f"OrderMethod {msg.order_method!r} names no channel")
        result = await engine.subscribe(
            msisdn,
            sp_id,
            service_id,
            channel=channel,
            link_id=msg.link_id or "",
            confirmed_upstream=session.config.confirms(session.device_type),
            desc=desc,
            content=_content(msg),
        )
    elif op is rules.Op.UNSUBSCRIBE:
        result = await engine.unsubscribe(msisdn, sp_id, service_id, desc=desc)
    elif op is rules.Op.CHECK:
        result = await engine.check(msisdn, sp_id, service_id)
    elif op is rules.Op.ON_DEMAND or (
        msg.service_updown_type == b.ServiceUpDownType.MOAT and await _per_use(engine, sp_id, service_id)
    ):
        now = engine.now()
        result = await engine.on_demand(
            msisdn,
            sp_id,
            service_id,
            link_id=msg.link_id or ids.link_id(now),
            cdr_id=ids.binary_cdr_id(session.device, msg.sequence_number, now),
            desc=desc,
        )
        return _resp(msg, result["code"], link_id=result.get("link_id", "") if result["code"] == 0 else "")
    else:  # AUTH_CHARGE: a charge waits for CheckPriceConfirm
        result = await engine.authenticate(msisdn, sp_id, service_id, commit_charge=False)
        if result["code"] == RC.SUCCESS and result["charge"]:
            if len(session.pending) >= MAX_PENDING:
                _expire(session)
            loop_time = asyncio.get_running_loop().time()
            cdr = ids.binary_cdr_id(session.device, msg.sequence_number, engine.now())
            session.pending[msg.sequence_number] = Pending(
                msisdn, sp_id, service_id, cdr, loop_time + CONFIRM_INTERVAL_SECONDS
            )
            return _resp(msg, RC.SUCCESS, need_confirm=1)
    return _resp(msg, result["code"])


def _expire(session: Session) -> None:
    now = asyncio.get_running_loop().time()
    for key in [k for k, p in session.pending.items() if p.deadline < now]:
        del session.pending[key]
    while len(session.pending) >= MAX_PENDING:
        session.pending.pop(next(iter(session.pending)))


async def check_price_confirm(
    engine: Engine, msg: b.CheckPriceConfirm, session: Session
) -> b.CheckPriceConfirmResp:
    """The engine delivered (ErrCode 0: the charge stands, the CDR is written) or did not (no
    charge). A confirmation of nothing pending is 100; one after ConfirmInterval is 8."""
    pending = session.pending.pop(msg.sequence_number, None)
    if pending is None:
        return b.CheckPriceConfirmResp(sequence_id=msg.sequence_id, result_code=RC.FIELD_INVALID)
    if asyncio.get_running_loop().time() > pending.deadline:
        return b.CheckPriceConfirmResp(sequence_id=msg.sequence_id, result_code=RC.CONFIRM_TIMEOUT)
    if msg.err_code == RC.SUCCESS:
        result = await engine.authenticate(
            pending.msisdn, pending.sp_id, pending.product_code, cdr_id=pending.cdr_id
        )
        return b.CheckPriceConfirmResp(sequence_id=msg.sequence_id, result_code=result["code"])
    return b.CheckPriceConfirmResp(sequence_id=msg.sequence_id, result_code=RC.SUCCESS)


async def serve(engine: Engine, host: str = "0.0.0.0", port: int = 9999, **kwargs: Any) -> BinaryServer:  # noqa: S104
    server = BinaryServer(engine)
    await server.start(host, port, **kwargs)
    return server
