"""State transitions (django-fsm-2, ``protected=True``): an illegal transition becomes a
``DomainError`` with a clear message, never a 500."""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext
from django_fsm import TransitionNotAllowed, can_proceed

from vasops.core.errors import CoreError, DomainError


def _label(label: str | Promise | None, name: str) -> str | Promise:
    """The act's words in the active language (a label marked with ``gettext_noop`` is looked up
    here, when a refusal names it)."""
    if label is None:
        return name
    return gettext(label) if isinstance(label, str) else label


def transition(obj: Any, name: str, *args: Any, label: str | Promise | None = None, **kwargs: Any) -> None:
    """Call the transition method ``name`` on ``obj`` or refuse with core.invalid_transition."""
    method = getattr(obj, name)
    state_display = getattr(obj, "get_state_display", lambda: getattr(obj, "state", "?"))()
    if not can_proceed(method):
        raise DomainError(
            CoreError.INVALID_TRANSITION,
            gettext("当前状态“%(state_display)s”下不能执行“%(label)s”。")
            % {"state_display": state_display, "label": _label(label, name)},
            status=409,
            state=str(getattr(obj, "state", "")),
            transition=name,
        )
    try:
        method(*args, **kwargs)
    except TransitionNotAllowed as exc:
        raise DomainError(
            CoreError.INVALID_TRANSITION,
            gettext("当前状态“%(state_display)s”下不能执行“%(label)s”。")
            % {"state_display": state_display, "label": _label(label, name)},
            status=409,
        ) from exc
