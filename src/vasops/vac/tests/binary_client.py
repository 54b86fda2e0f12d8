"""A small blocking client of the VAC binary interface (VAC.md Part A) for the tests, and the
gateway's engine + binary server run in a background event loop on the test database."""

from __future__ import annotations

import asyncio
import datetime as dt
import socket
import threading
from collections.abc import Coroutine
from typing import Any

from vasops.vac.gateway import Config, Device, Engine, tcp
from vasops.vac.protocol import binary as b

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
MSISDN = "8613012345678"


def stamp(offset: dt.timedelta = dt.timedelta(0)) -> str:
    """A Bind Time_Stamp: Beijing ``MMDDHHMMSS`` of now + ``offset``."""
    return (dt.datetime.now(SHANGHAI) + offset).strftime("%m%d%H%M%S")


class BinaryClient:
    def __init__(self, port: int, device: str, secret: str, *, device_type: int = 24) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.device, self.secret, self.device_type = device, secret, device_type
        self.frames = b.FrameReader()
        self.buffer: list[bytes] = []
        self.seq = 0

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq

    def raw(self, data: bytes) -> b.Message | None:
        """Send bytes, read the next PDU (None: the server closed the link)."""
        self.sock.sendall(data)
        return self.read()

    def read(self) -> b.Message | None:
        while not self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                return None
            self.buffer.extend(self.frames.feed(chunk))
        return b.decode(self.buffer.pop(0))

    def send(self, msg: b.Message) -> Any:
        return self.raw(b.encode(msg))

    def closed(self) -> bool:
        """Whether the server has closed the link (EOF within the socket timeout)."""
        try:
            return self.sock.recv(10) == b""
        except ConnectionResetError:
            return True

    def bind(self, secret: str | None = None, *, time_stamp: str | None = None, hex16: bool = False) -> Any:
        ts = time_stamp or stamp()
        msg = b.Bind.create(
            sequence_id=self.next_seq(),
            source_device_type=self.device_type,
            source_device_id=self.device,
            dest_device_id="001701",
            secret=secret or self.secret,
            time_stamp=ts,
            version=100,
        )
        if hex16:
            check = b.bind_authenticator_hex16(self.device, secret or self.secret, ts)
            msg = b.Bind(
                sequence_id=msg.sequence_id,
                source_device_type=msg.source_device_type,
                source_device_id=msg.source_device_id,
                dest_device_id=msg.dest_device_id,
                check_source=check,
                time_stamp=ts,
                version=100,
            )
        return self.send(msg)

    def check_price(
        self,
        op: int,
        sp_id: str,
        service_id: str,
        number: str,
        *,
        msisdn: str = MSISDN,
        updown: int = 2,
        order_method: str | None = "01",
        tlvs: tuple[b.Tlv, ...] = (),
        service_type: str = "90",
    ) -> Any:
        addr = b.Address(1, "WCDMA", msisdn)
        extra = (b.Tlv.of(b.TlvTag.ORDER_METHOD, order_method),) if order_method is not None else ()
        msg = b.CheckPrice(
            sequence_id=self.next_seq(),
            source_device_type=self.device_type,
            source_device_id=self.device,
            dest_device_id="001701",
            sequence_number=number,
            oa=addr,
            da=addr,
            fa=b.Address(1, "", ""),
            service_id_type=3,
            sp_id=sp_id,
            service_id=service_id,
            service_updown_type=updown,
            begin_time="20260310120000",
            operation_type=op,
            service_type=service_type,
            tlvs=extra + tlvs,
        )
        return self.send(msg)

    def confirm(self, number: str, err_code: int = 0) -> Any:
        return self.send(
            b.CheckPriceConfirm(
                sequence_id=self.next_seq(),
                source_device_type=self.device_type,
                source_device_id=self.device,
                dest_device_id="001701",
                sequence_number=number,
                err_code=err_code,
                end_time="20260310120005",
                service_type="90",
            )
        )

    def close(self) -> None:
        try:
            self.send(b.UnBind(sequence_id=self.next_seq()))
        except OSError:
            pass
        finally:
            self.sock.close()

    def __enter__(self) -> BinaryClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def dsn_of(db: dict[str, Any]) -> str:
    """The asyncpg DSN of a Django database's settings (the test database)."""
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    return f"postgresql://{db['USER'] or 'postgres'}@{host}:{port}/{db['NAME']}"


class EngineThread:
    """The gateway's :class:`Engine` and binary server in an event loop of their own thread."""

    def __init__(
        self, dsn: str, redis_url: str, prefix: str, devices: dict[str, Device], **config: Any
    ) -> None:
        self.config = Config(
            dsn=dsn, redis_url=redis_url, prefix=prefix, devices=devices, install_triggers=False, **config
        )
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.engine = Engine(self.config)
        self.server: tcp.BinaryServer | None = None

    def run(self, coro: Coroutine[Any, Any, Any]) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(30)

    def start(self) -> int:
        self.thread.start()
        self.run(self.engine.start())
        self.server = self.run(tcp.serve(self.engine, "127.0.0.1", 0))
        return self.server.port

    def stop(self) -> None:
        if self.server is not None:
            self.run(self.server.close())
        self.run(self.engine.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
