"""Marking text for the translation catalogue without Django's settings."""

from __future__ import annotations


def gettext_noop(message: str) -> str:
    """Mark ``message`` for ``makemessages`` (which finds calls by this name) and return it
    unchanged; it is translated where it is shown. Django's own ``gettext_noop`` reads the
    settings, so a module calling it at import time could not be loaded by a process that runs
    without Django (the VAC gateway, benchmark children)."""
    return message
