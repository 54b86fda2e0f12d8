"""The one fake SP of the SOAP tests: an ``orderRelationUpdateNotify`` server on a real socket
(stdlib ``http.server`` in a thread), as an SP hosts it (VAC.md B.1).

By default it parses the request with our :func:`soap.parse_request`, checks ``encodeStr`` with its
``order_key`` (a Fault when wrong), applies each ``recordSequenceId`` once (its de-duplication:
``effects``) and answers ``result_code`` (B.4) in the multiRef form. Knobs: ``mode`` ("ok", "fault":
a SOAP Fault with HTTP 500), ``delay`` (seconds before answering; a slow SP), ``crash_after`` (that
request is applied, then the SP dies without answering until :meth:`start` brings it back on the
same port). A subclass overrides :meth:`respond` to parse and answer differently (zeep).
"""

from __future__ import annotations

import socket
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from vasops.vac.protocol import soap


class FakeSp:
    path = "/services/VacSync"

    def __init__(
        self,
        *,
        order_key: str | None = None,
        result_code: int = 0,
        multiref: bool = True,
        delay: float = 0.0,
        port: int = 0,
    ) -> None:
        self.order_key = order_key
        self.result_code = result_code
        self.multiref = multiref
        self.delay = delay
        self.mode = "ok"
        self.crash_after: int | None = None
        self.port = port
        self.received: list[Any] = []  # NotifyRequest (zeep: dicts of its decoding)
        self.headers: list[dict[str, str]] = []
        self.errors: list[str] = []
        self.seen: set[str] = set()
        self.effects: Counter[tuple[str, int, str, str]] = Counter()
        self.answered_at: list[float] = []  # time.monotonic() of each answer
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None

    # --- what the SP does with a request --------------------------------------------------------

    def respond(self, body: bytes) -> tuple[bytes, int]:
        """(response body, HTTP status) for a request body."""
        request = soap.parse_request(body)
        with self.lock:
            self.received.append(request)
        if self.mode == "fault" or (
            self.order_key is not None and not soap.verify_encode_str(request, self.order_key)
        ):
            return soap.build_fault("SP refused the request"), 500
        rsid = request.record_sequence_id
        with self.lock:
            if rsid not in self.seen:  # the SP's de-duplication: the effect happens once
                self.seen.add(rsid)
                self.effects[(request.user_id, request.update_type, request.product_id, request.link_id)] += 1
        answer = soap.NotifyResponse(rsid, self.result_code)
        return soap.build_response(answer, multiref=self.multiref), 200

    # --- the server -----------------------------------------------------------------------------

    def start(self) -> FakeSp:
        sp = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with sp.lock:
                    sp.headers.append({k.lower(): v for k, v in self.headers.items()})
                try:
                    data, status = sp.respond(body)
                except Exception as exc:  # the test reads sp.errors; VAC sees a failure
                    sp.errors.append(f"{type(exc).__name__}: {exc}")
                    data, status = soap.build_fault(str(exc)), 500
                with sp.lock:
                    crash = sp.crash_after is not None and len(sp.received) >= sp.crash_after
                    if crash:
                        sp.crash_after = None
                if crash:  # applied, but the answer is lost: the notifier must re-send
                    threading.Thread(target=sp.stop).start()
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if sp.delay:
                    time.sleep(sp.delay)
                self.send_response(status)
                self.send_header("Content-Type", "text/xml; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                with sp.lock:
                    sp.answered_at.append(time.monotonic())

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            server, self.server = self.server, None
            server.shutdown()
            server.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.path}"

    def __enter__(self) -> FakeSp:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
