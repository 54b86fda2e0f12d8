"""Per-request context for code that has no request at hand (set by middleware): the client IP
for audit rows, and the request id that error responses and log lines carry."""

from __future__ import annotations

import contextvars
import logging
import re
import uuid

_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("vasops_ip", default=None)
_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("vasops_request_id", default=None)

# an id a proxy or client sent in X-Request-ID is kept when it is this plain
_CLIENT_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")


def set_ip(ip: str | None) -> contextvars.Token[str | None]:
    return _ip.set(ip)


def reset(token: contextvars.Token[str | None]) -> None:
    _ip.reset(token)


def current_ip() -> str | None:
    return _ip.get()


def new_request_id(incoming: str | None = None) -> str:
    """The client's ``X-Request-ID`` when it is a plain token, else a fresh random id."""
    if incoming and _CLIENT_ID.match(incoming):
        return incoming
    return uuid.uuid4().hex


def set_request_id(request_id: str | None) -> None:
    _request_id.set(request_id)


def current_request_id() -> str | None:
    return _request_id.get()


def clear_request_id(**_: object) -> None:
    """``request_finished`` receiver: the request's id no longer applies."""
    _request_id.set(None)


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every log record (``-`` outside a request), for the log format."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get() or "-"
        return True
