"""Several gateway processes on one port, each holding the same number of connections.

uvicorn's own worker processes share one listening socket, and whichever process is awake accepts
the connections that arrive together — a gateway's handful of long-lived connections (the SMS
gateway's, the WAP gateway's, or a benchmark's 32) often land 24 / 8 or 32 / 0, one core then
idles while the other queues, and a run's throughput and p99 depend on the luck of that accept
(docs/performance.md, "variance"). ``SO_REUSEPORT`` deals them by a hash instead: 20 / 12 is
still common. Here the parent process listens and deals every accepted connection round robin to
its workers over a Unix socket (``SCM_RIGHTS``, as Node's cluster module does on Linux): 16 / 16,
every time. The binary interface's connections are dealt the same way.

A worker is a normal uvicorn server of :data:`vasops.vac.gateway.app` that adopts the connections
it is handed instead of listening (:class:`AdoptingServer`). A worker that dies is started again;
SIGTERM / SIGINT stop the workers (gracefully: uvicorn's shutdown) and then the parent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import selectors
import signal
import socket
import sys
import time
from dataclasses import dataclass
from typing import Any

log = logging.getLogger("vasops.vac.gateway")

HTTP, BINARY = b"h", b"t"
APP = "vasops.vac.gateway:app"


@dataclass(frozen=True, slots=True)
class Options:
    host: str
    port: int
    workers: int
    tcp_host: str
    tcp_port: int
    log_level: str = "warning"
    proxy_headers: bool = False
    backlog: int = 4096


def _listen(host: str, port: int, backlog: int) -> socket.socket:
    sock = socket.create_server((host, port), backlog=backlog, reuse_port=False)
    sock.setblocking(False)
    return sock


def _worker(channel: socket.socket, options: Options) -> None:
    """A worker process: uvicorn serving the gateway on connections handed over ``channel``."""
    os.environ["VASOPS_VAC_GATEWAY_TCP_PORT"] = "0"  # the parent listens for the binary interface
    import uvicorn

    config = uvicorn.Config(
        APP,
        loop="uvloop",
        http="httptools",
        lifespan="on",
        access_log=False,
        log_level=options.log_level,
        proxy_headers=options.proxy_headers,
        server_header=False,
    )
    AdoptingServer(config, channel).run()


def _adopting_server_class() -> type:
    import uvicorn

    class _AdoptingServer(uvicorn.Server):
        """uvicorn's server, minus the listening: it serves the sockets it is handed."""

        def __init__(self, config: Any, channel: socket.socket) -> None:
            super().__init__(config)
            self.channel = channel
            channel.setblocking(False)

        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await self.lifespan.startup()
            if self.lifespan.should_exit:
                sys.exit(3)
            config, loop = self.config, asyncio.get_running_loop()
            app = config.loaded_app
            while not hasattr(app, "adopt_binary") and hasattr(app, "app"):  # uvicorn's wrappers
                app = app.app

            def create_protocol(_loop: asyncio.AbstractEventLoop | None = None) -> asyncio.Protocol:
                protocol_class: Any = config.http_protocol_class  # uvicorn's, as Server.startup builds it
                protocol: asyncio.Protocol = protocol_class(
                    config=config, server_state=self.server_state, app_state=self.lifespan.state, _loop=_loop
                )
                return protocol

            def receive() -> None:
                while True:
                    try:
                        kinds, fds, _flags, _addr = socket.recv_fds(self.channel, 64, 64)
                    except BlockingIOError:
                        return
                    if not kinds and not fds:  # the parent is gone
                        self.should_exit = True
                        loop.remove_reader(self.channel.fileno())
                        return
                    for kind, fd in zip(kinds, fds, strict=False):
                        sock = socket.socket(fileno=fd)
                        sock.setblocking(False)
                        if bytes((kind,)) == HTTP:
                            loop.create_task(loop.connect_accepted_socket(create_protocol, sock))
                        else:
                            app.adopt_binary(sock)

            loop.add_reader(self.channel.fileno(), receive)
            self.servers = []
            self.started = True

    return _AdoptingServer


def AdoptingServer(config: Any, channel: socket.socket) -> Any:
    """uvicorn is imported in the workers only (the parent stays small)."""
    return _adopting_server_class()(config, channel)


class Supervisor:
    """The parent: listens, deals connections round robin, keeps ``workers`` processes alive."""

    def __init__(self, options: Options) -> None:
        self.options = options
        self.ctx = multiprocessing.get_context("fork")
        self.procs: list[Any] = [None] * options.workers
        self.channels: list[socket.socket | None] = [None] * options.workers
        self.next = 0
        self.stopping = False

    def _start(self, i: int) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        others = [c for c in self.channels if c is not None]
        proc = self.ctx.Process(
            target=_child, args=(theirs, self.options, [*self.listeners, *others]), daemon=False
        )
        proc.start()
        theirs.close()
        self.procs[i], self.channels[i] = proc, ours

    def _deal(self, kind: bytes, conn: socket.socket) -> None:
        n = len(self.channels)
        for _ in range(n):
            i, self.next = self.next, (self.next + 1) % n
            channel = self.channels[i]
            if channel is None:
                continue
            try:
                socket.send_fds(channel, [kind], [conn.fileno()])
                return
            except OSError:  # that worker is gone; the next one takes it
                channel.close()
                self.channels[i] = None
        log.error("vac gateway: no worker to take a connection")

    def run(self) -> None:
        opts = self.options
        http = _listen(opts.host, opts.port, opts.backlog)
        binary = _listen(opts.tcp_host, opts.tcp_port, opts.backlog) if opts.tcp_port else None
        self.listeners = [s for s in (http, binary) if s is not None]
        for i in range(opts.workers):
            self._start(i)
        selector = selectors.DefaultSelector()
        selector.register(http, selectors.EVENT_READ, HTTP)
        if binary is not None:
            selector.register(binary, selectors.EVENT_READ, BINARY)

        def stop(_signum: int, _frame: Any) -> None:
            self.stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            while not self.stopping:
                for key, _mask in selector.select(timeout=1.0):
                    listener: socket.socket = key.fileobj  # type: ignore[assignment]
                    while True:
                        try:
                            conn, _addr = listener.accept()
                        except (BlockingIOError, InterruptedError):
                            break
                        with conn:
                            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                            self._deal(key.data, conn)
                self._revive()
        finally:
            for s in self.listeners:
                s.close()
            self._stop_workers()

    def _revive(self) -> None:
        for i, proc in enumerate(self.procs):
            if proc is not None and not proc.is_alive() and not self.stopping:
                log.warning("vac gateway: worker %s exited (%s); starting another", proc.pid, proc.exitcode)
                channel = self.channels[i]
                if channel is not None:
                    channel.close()
                time.sleep(0.5)
                self._start(i)

    def _stop_workers(self) -> None:
        for proc in self.procs:
            if proc is not None and proc.is_alive():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 30
        for proc in self.procs:
            if proc is not None:
                proc.join(max(0.1, deadline - time.monotonic()))
                if proc.is_alive():
                    proc.kill()


def _child(channel: socket.socket, options: Options, inherited: list[socket.socket]) -> None:
    for s in inherited:  # only the parent accepts, and only it writes to the workers' channels
        s.close()
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _worker(channel, options)


def serve(options: Options) -> None:
    Supervisor(options).run()
