"""A small SGIP 1.2 peer that plays the SMS gateway (SMG) on real sockets (SGIP.md):

* as a **server** it takes VAC's client connections (LoginType 1): Bind (login checked), Submit
  (recorded in :attr:`SmgPeer.submitted`, answered with :attr:`SmgPeer.submit_result`), Unbind;
* as a **client** it connects to VAC's SGIP server (LoginType 2) and sends what users text to
  VAC's number (:meth:`SmgPeer.deliver`) and the outcome of VAC's messages (:meth:`SmgPeer.report`).

:meth:`SmgPeer.down` stops listening (an SMS gateway that is down), :meth:`SmgPeer.up` listens
again on the same port.
"""

from __future__ import annotations

import contextlib
import itertools
import socket
import threading
from dataclasses import dataclass

from vasops.vac.protocol import sgip

SMG_NODE = 101001  # SGIP.md §11a: '1' + area '0100' + '1'


@dataclass(frozen=True)
class Submitted:
    sequence: sgip.Sequence
    user: str
    text: str
    sp_number: str
    fee_type: int
    coding: int


class SmgPeer:
    def __init__(self, *, login: str = "vac", password: str = "vac-pass") -> None:
        self.login, self.password = login, password
        self.submitted: list[Submitted] = []
        self.binds: list[sgip.Bind] = []
        self.submit_result = 0
        self.port = 0
        self.lock = threading.Lock()
        self._listener: socket.socket | None = None
        self._counter = itertools.count(1)
        self._client: socket.socket | None = None
        self._frames = sgip.FrameReader()
        self._pending: list[bytes] = []

    # --- the SMG as a server of VAC's Submits -------------------------------------------------

    def up(self) -> SmgPeer:
        listener = socket.create_server(("127.0.0.1", self.port))
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
        return self

    def down(self) -> None:
        if self._listener is not None:
            with contextlib.suppress(OSError):
                self._listener.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread
            self._listener.close()
            self._listener = None

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                conn, _addr = listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        frames = sgip.FrameReader()
        with conn:
            while True:
                try:
                    chunk = conn.recv(4096)
                except OSError:
                    return
                if not chunk:
                    return
                for pdu in frames.feed(chunk):
                    msg = sgip.decode(pdu)
                    if isinstance(msg, sgip.Bind):
                        with self.lock:
                            self.binds.append(msg)
                        ok = (msg.login_type, msg.login_name, msg.login_password) == (
                            1,
                            self.login,
                            self.password,
                        )
                        conn.sendall(sgip.encode(sgip.BindResp(sequence=msg.sequence, result=0 if ok else 1)))
                        if not ok:
                            return
                    elif isinstance(msg, sgip.Submit):
                        with self.lock:
                            for user in msg.user_numbers:
                                self.submitted.append(
                                    Submitted(
                                        msg.sequence,
                                        user,
                                        sgip.decode_content(msg.content, msg.message_coding),
                                        msg.sp_number,
                                        msg.fee_type,
                                        msg.message_coding,
                                    )
                                )
                            result = self.submit_result
                        conn.sendall(sgip.encode(sgip.SubmitResp(sequence=msg.sequence, result=result)))
                    elif isinstance(msg, sgip.Unbind):
                        conn.sendall(sgip.encode(sgip.UnbindResp(sequence=msg.sequence)))
                        return

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def texts_to(self, user: str) -> list[str]:
        with self.lock:
            return [s.text for s in self.submitted if s.user == user]

    # --- the SMG as a client of VAC's server ---------------------------------------------------

    def sequence(self) -> sgip.Sequence:
        return sgip.Sequence(SMG_NODE, 315093000, next(self._counter))

    def connect(self, port: int, *, login: str = "smg", password: str = "smg-pass") -> sgip.Message:
        self._client = socket.create_connection(("127.0.0.1", port), timeout=20)
        self._frames = sgip.FrameReader()
        self._pending = []
        return self.call(
            sgip.Bind(sequence=self.sequence(), login_type=2, login_name=login, login_password=password)
        )

    def call(self, msg: sgip.Message) -> sgip.Message:
        assert self._client is not None
        self._client.sendall(sgip.encode(msg))
        return self.read()

    def read(self) -> sgip.Message:
        assert self._client is not None
        while not self._pending:
            chunk = self._client.recv(4096)
            if not chunk:
                raise ConnectionError("VAC closed the link")
            self._pending.extend(self._frames.feed(chunk))
        return sgip.decode(self._pending.pop(0))

    def deliver(self, user: str, text: str, *, sequence: sgip.Sequence | None = None) -> sgip.Message:
        content, coding = sgip.encode_content(text)
        return self.call(
            sgip.Deliver(
                sequence=sequence or self.sequence(),
                user_number=user,
                sp_number="10655133",
                message_coding=coding,
                content=content,
            )
        )

    def report(self, submit: sgip.Sequence, user: str, state: int = 0, error: int = 0) -> sgip.Message:
        return self.call(
            sgip.Report(
                sequence=self.sequence(),
                submit_sequence=submit,
                user_number=user,
                state=state,
                error_code=error,
            )
        )

    def unbind(self) -> sgip.Message:
        answer = self.call(sgip.Unbind(sequence=self.sequence()))
        assert self._client is not None
        self._client.close()
        self._client = None
        return answer
