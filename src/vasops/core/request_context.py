"""The client IP of the request being served, for audit rows (set by middleware)."""

from __future__ import annotations

import contextvars

_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("vasops_ip", default=None)


def set_ip(ip: str | None) -> contextvars.Token[str | None]:
    return _ip.set(ip)


def reset(token: contextvars.Token[str | None]) -> None:
    _ip.reset(token)


def current_ip() -> str | None:
    return _ip.get()
