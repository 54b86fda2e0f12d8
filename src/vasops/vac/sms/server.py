"""VAC's SGIP server (SGIP.md §2: the SMS gateway connects with LoginType 2 and sends the users'
messages to VAC's number as ``Deliver`` and the outcome of VAC's messages as ``Report``).

Bind: LoginType 2 with the configured login and password (``VASOPS_VAC_SGIP_SMG_LOGIN`` /
``VASOPS_VAC_SGIP_SMG_PASSWORD``), else Result 1 (illegal login; 4 wrong login type) and the link
is closed; a second Bind on the link is Result 2. Deliver: the user's text is handled
(:func:`vasops.vac.sms.replies.handle`) and committed before Deliver_Resp 0 is sent; the same
sequence number with the same content again (a re-sent Deliver, §2) is answered without being
handled twice. Report: recorded on the message it names. Unbind: answered, closed. A malformed
message or an unknown command closes the link (§2); a link idle for 60 s is closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from typing import Any

from asgiref.sync import sync_to_async
from django.db import connections

from vasops.vac import cache
from vasops.vac.protocol import sgip
from vasops.vac.sms import outbox, replies

log = logging.getLogger("vasops.vac.sms")

IDLE_SECONDS = 60.0
SEEN = 10_000  # Deliver sequence numbers remembered (duplicate detection, §2)


def _handle_deliver(msg: sgip.Deliver) -> None:
    try:
        replies.handle(msg.user_number, msg.text)
    finally:
        connections.close_all()  # a few messages a second at most: no connection kept idle


def _record_report(msg: sgip.Report) -> None:
    try:
        outbox.record_report(msg)
    finally:
        connections.close_all()


class SgipServer:
    def __init__(self, login: str | None = None, password: str | None = None) -> None:
        self.login = login if login is not None else cache.setting("VASOPS_VAC_SGIP_SMG_LOGIN", "smg")
        self.password = (
            password if password is not None else cache.setting("VASOPS_VAC_SGIP_SMG_PASSWORD", "")
        )
        self.seen: OrderedDict[tuple[int, int, int], bytes] = OrderedDict()
        self.server: asyncio.Server | None = None
        self.links: dict[asyncio.StreamWriter, asyncio.Task[Any]] = {}

    async def start(self, host: str, port: int) -> int:
        self.server = await asyncio.start_server(self.handle, host, port)
        return int(self.server.sockets[0].getsockname()[1])

    async def close(self) -> None:
        if self.server is not None:
            self.server.close()
            for writer in list(self.links):
                writer.close()
            tasks = [t for t in self.links.values() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await self.server.wait_closed()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        frames = sgip.FrameReader()
        bound = False
        task = asyncio.current_task()
        assert task is not None
        self.links[writer] = task
        try:
            while True:
                chunk = await asyncio.wait_for(reader.read(4096), IDLE_SECONDS)
                if not chunk:
                    return
                for pdu in frames.feed(chunk):
                    msg = sgip.decode(pdu)
                    answer, keep, bound = await self._answer(msg, bound)
                    if answer is not None:
                        writer.write(sgip.encode(answer))
                        await writer.drain()
                    if not keep:
                        return
        except (TimeoutError, ConnectionError):
            pass
        except sgip.SgipError as exc:
            log.info("vac sgip: closing a link: %s", exc)
        finally:
            self.links.pop(writer, None)
            writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await writer.wait_closed()

    async def _answer(self, msg: sgip.Message, bound: bool) -> tuple[Any, bool, bool]:
        """(answer, keep the link, bound)."""
        seq = msg.sequence
        if isinstance(msg, sgip.Bind):
            if bound:
                return sgip.BindResp(sequence=seq, result=2), True, True
            if msg.login_type != sgip.LoginType.SMG_TO_SP:
                return sgip.BindResp(sequence=seq, result=4), False, False
            if (msg.login_name, msg.login_password) != (self.login, self.password):
                return sgip.BindResp(sequence=seq, result=1), False, False
            return sgip.BindResp(sequence=seq, result=0), True, True
        if isinstance(msg, sgip.Unbind):
            return sgip.UnbindResp(sequence=seq), False, bound
        if not bound:
            return None, False, False  # commands before a Bind: close (§2)
        if isinstance(msg, sgip.Deliver):
            key = (seq.node, seq.time, seq.counter)
            content = sgip.encode(msg)
            if key in self.seen:
                result = 0 if self.seen[key] == content else 9  # §2: duplicate / illegal sequence
                return sgip.DeliverResp(sequence=seq, result=result), True, True
            await sync_to_async(_handle_deliver, thread_sensitive=True)(msg)
            self.seen[key] = content
            while len(self.seen) > SEEN:
                self.seen.popitem(last=False)
            return sgip.DeliverResp(sequence=seq, result=0), True, True
        if isinstance(msg, sgip.Report):
            await sync_to_async(_record_report, thread_sensitive=True)(msg)
            return sgip.ReportResp(sequence=seq, result=0), True, True
        if isinstance(msg, sgip.Submit):  # valid but not ours to serve (§2)
            return sgip.SubmitResp(sequence=seq, result=30), True, True
        return None, True, True  # responses: discard
