"""One vocabulary per app: the registries of error codes and audit event types.

Every app declares its stable codes in two modules:

- ``<app>/errors.py``: ``class <App>Error(ErrorCode)`` whose values are ``"<app_label>.<snake_case>"``;
  every ``DomainError`` an app raises takes a member of it.
- ``<app>/events.py``: ``class <App>Event(EventType)`` (a ``TextChoices``) whose values are
  ``"<app_label>.<object>_<past participle>"`` (``admission.application_submitted``) and whose labels
  are the Chinese words people read in history panels (``_("申请已提交")``); every
  ``audit.record(action=...)`` takes a member of it.

The registries below import those modules of every installed ``vasops`` app, so a label can be found
for any code stored in an ``AuditEvent`` row or answered by the API.
"""

from __future__ import annotations

import importlib
from enum import StrEnum
from functools import cache

from django.apps import apps
from django.db import models


class ErrorCode(StrEnum):
    """Base of every app's error-code enum (members: ``"<app_label>.<snake_case>"``)."""


class EventType(models.TextChoices):
    """Base of every app's audit event type enum (members: value and Chinese label)."""


def _subclasses(cls: type) -> list[type]:
    found: list[type] = []
    for sub in cls.__subclasses__():
        found.append(sub)
        found.extend(_subclasses(sub))
    return found


def _import_all(module: str) -> None:
    for config in apps.get_app_configs():
        if not config.name.startswith("vasops."):
            continue
        try:
            importlib.import_module(f"{config.name}.{module}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.{module}":
                raise


@cache
def error_enums() -> tuple[type[ErrorCode], ...]:
    _import_all("errors")
    return tuple(_subclasses(ErrorCode))


@cache
def event_enums() -> tuple[type[EventType], ...]:
    _import_all("events")
    return tuple(_subclasses(EventType))


@cache
def event_labels() -> dict[str, str]:
    return {member.value: str(member.label) for enum in event_enums() for member in enum}


def event_label(code: str) -> str:
    """The words for a stored audit action code; the code itself when no app declares it."""
    return event_labels().get(code, code)


def is_error_code(code: str) -> bool:
    return any(code in {m.value for m in enum} for enum in error_enums())
