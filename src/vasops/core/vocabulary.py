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
import re
from enum import StrEnum
from functools import cache
from typing import Any

from django.apps import apps
from django.db import models
from django.utils.translation import gettext


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
def event_labels() -> dict[str, Any]:
    """code -> label (a lazy translation: read in the language of the request)."""
    return {member.value: member.label for enum in event_enums() for member in enum}


def event_label(code: str) -> str:
    """The words for a stored audit action code; the code itself when no app declares it."""
    label = event_labels().get(code)
    return str(label) if label is not None else code


@cache
def _label_modules() -> tuple[Any, ...]:
    found = []
    for config in apps.get_app_configs():
        if not config.name.startswith("vasops."):
            continue
        try:
            found.append(importlib.import_module(f"{config.name}.labels"))
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.labels":
                raise
    return tuple(found)


@cache
def _code_label_table() -> dict[str, Any]:
    """Every other code a person may meet (document kinds, material kinds, test cases, roles …):
    each app may have ``labels.py`` with ``CODE_LABELS`` (a dict code -> lazy label) or a
    ``code_labels()`` function answering one."""
    table: dict[str, Any] = {}
    for module in _label_modules():
        if hasattr(module, "code_labels"):
            table.update(module.code_labels())
        table.update(getattr(module, "CODE_LABELS", {}))
    return table


@cache
def field_label_table() -> dict[str, Any]:
    """The words for the keys of audit dictionaries that are no declared field of the audited
    model (``their_fee_fen``, ``detail_file`` …): each app's ``labels.FIELD_LABELS`` (a dict) or
    ``labels.field_labels()`` (a function answering one)."""
    table: dict[str, Any] = {}
    for module in _label_modules():
        if hasattr(module, "field_labels"):
            table.update(module.field_labels())
        table.update(getattr(module, "FIELD_LABELS", {}))
    return table


# A code people create (a violation type, a KPI) is snake_case: free text, dates, numbers and the
# platform's own dotted codes never cost a query.
_RECORD_CODE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)+")


def _record_label(key: str) -> str | None:
    """The words for a code that names a row people keep (a violation type's code, a KPI's code):
    each app's ``labels.label_of(code)`` answers its own, ``None`` for the others."""
    if not _RECORD_CODE.fullmatch(key):
        return None
    for module in _label_modules():
        if hasattr(module, "label_of"):
            label = module.label_of(key)
            if label:
                return str(label)
    return None


@cache
def _choice_table() -> dict[str, Any]:
    """value -> label of every choices field of the project's models, where the value means
    one thing only (a value two fields label differently is left out)."""
    table: dict[str, Any] = {}
    ambiguous: set[str] = set()
    for model in apps.get_models():
        if not model.__module__.startswith("vasops."):
            continue
        for f in model._meta.get_fields():
            for value, label in getattr(f, "flatchoices", None) or []:
                key = str(value)
                if key in table and str(table[key]) != str(label):
                    ambiguous.add(key)
                table.setdefault(key, label)
    return {k: v for k, v in table.items() if k not in ambiguous}


def code_label(code: Any, default: str | None = None) -> str:
    """The words for any code the platform stores and shows (an audit action, a document kind,
    a role, a test case …); ``default`` (or the code itself) when nothing declares it."""
    key = str(code)
    label = event_labels().get(key)
    if label is None:
        label = _code_label_table().get(key)
    if label is None:
        label = _choice_table().get(key)
    if label is None:
        named = _record_label(key)  # people's own words: not translated
        if named is not None:
            return named
        return key if default is None else default
    return gettext(str(label))


def is_error_code(code: str) -> bool:
    return any(code in {m.value for m in enum} for enum in error_enums())
