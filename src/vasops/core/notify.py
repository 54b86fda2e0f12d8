"""Notifications: an inbox row per recipient now (rolled back with the action), the email copy
after the transaction commits (no mail leaves for a change that did not happen).

Each recipient reads a notification in their own language (``User.language``, the last one they
chose with the language switch), whoever caused it: a subject or body given as a lazy text —
``gettext_lazy("…")`` or :func:`text` for one with values — is rendered once per recipient inside
``translation.override(recipient.language)``; a plain ``str`` (a reason someone typed) is kept as
it is."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext

from vasops.core import clock
from vasops.core.models import Notification, User

log = logging.getLogger(__name__)


class Text:
    """A notification text rendered in the language active when it is turned into ``str``:
    ``msgid`` is the Chinese text with ``%(name)s`` placeholders (marked for the catalogue with
    ``gettext_noop`` where it is written), ``params`` their values; a value that is itself a
    lazy text is rendered in the same language."""

    __slots__ = ("msgid", "params")

    def __init__(self, msgid: str, params: dict[str, Any]) -> None:
        self.msgid = msgid
        self.params = params

    def __str__(self) -> str:
        translated = gettext(self.msgid)
        if not self.params:
            return translated
        return translated % {k: _text(v) for k, v in self.params.items()}

    def __repr__(self) -> str:
        return f"Text({self.msgid!r}, {self.params!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Text) and (self.msgid, self.params) == (other.msgid, other.params)

    def __hash__(self) -> int:
        return hash(self.msgid)


def text(msgid: str, /, **params: Any) -> Text:
    """``notify.text(gettext_noop("产品“%(name)s”审核通过"), name=product.name)``: a subject or
    body each recipient reads in their own language."""
    return Text(msgid, params)


class Formatted:
    """``format(value, spec)`` with ``spec`` translated when it is rendered: a date in a
    notification (``"%Y年%m月%d日"`` reads ``"%Y-%m-%d"`` in English)."""

    __slots__ = ("spec", "value")

    def __init__(self, value: Any, spec: str) -> None:
        self.value = value
        self.spec = spec

    def __str__(self) -> str:
        return format(self.value, gettext(self.spec))

    def __repr__(self) -> str:
        return f"Formatted({self.value!r}, {self.spec!r})"


def formatted(value: Any, spec: str, /) -> Formatted:
    """``notify.formatted(day, gettext_noop("%Y年%m月%d日"))``: a value of a notification text
    formatted in each recipient's language."""
    return Formatted(value, spec)


class Joined:
    """Several texts of a notification, one a line, each rendered in the recipient's language."""

    __slots__ = ("items", "separator")

    def __init__(self, items: list[Any], separator: str) -> None:
        self.items = items
        self.separator = separator

    def __str__(self) -> str:
        return self.separator.join(str(_text(item)) for item in self.items)

    def __repr__(self) -> str:
        return f"Joined({self.items!r}, {self.separator!r})"


def joined(items: Iterable[Any], separator: str = "\n", /) -> Joined:
    """``notify.joined([notify.text(…), …])``: lines of a notification body."""
    return Joined(list(items), separator)


# what a subject or body may be: plain text (kept as it is) or a lazy text (rendered per recipient)
Message = str | Text | Joined | Promise


def _text(value: Any) -> Any:
    if isinstance(value, Text | Formatted | Joined | Promise):
        return str(value)
    return value


def stored(message: Message) -> dict[str, Any] | None:
    """``message`` as JSON, to be rendered later in any reader's language (an audit reason):
    ``{"msgid": …, "params": {…}}``, a param being a plain value (kept as it is: a name, a number,
    what someone typed) or itself a stored text. ``None`` for a plain ``str``: nothing to translate."""
    if isinstance(message, str):
        return None
    value = _stored(message)
    return value if isinstance(value, dict) else None


def _stored(value: Any) -> Any:
    if isinstance(value, Text):
        data: dict[str, Any] = {"msgid": value.msgid}
        if value.params:
            data["params"] = {str(k): _stored(v) for k, v in value.params.items()}
        return data
    if isinstance(value, Formatted):
        return {"format": value.spec, "value": value.value.isoformat(), "type": type(value.value).__name__}
    if isinstance(value, Joined):
        return {"joined": [_stored(item) for item in value.items], "separator": value.separator}
    if isinstance(value, Promise):  # ``gettext_lazy("…")``: its msgid is the Chinese text
        return {"msgid": plain(value)}
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def restored(data: Any) -> Any:
    """What :func:`stored` wrote, as a text to render (``str()``) in the active language."""
    if isinstance(data, dict) and "msgid" in data:
        return Text(str(data["msgid"]), {str(k): restored(v) for k, v in (data.get("params") or {}).items()})
    if isinstance(data, dict) and "format" in data:
        kind = dt.datetime if data.get("type") == "datetime" else dt.date
        return Formatted(kind.fromisoformat(data["value"]), str(data["format"]))
    if isinstance(data, dict) and "joined" in data:
        return Joined([restored(item) for item in data["joined"]], str(data.get("separator", "\n")))
    return data


def reading(data: Any, as_stored: str) -> str:
    """A text the platform wrote and kept as :func:`stored` JSON (``data``), in the active
    language; ``as_stored`` (what a text column holds) for one a person typed, for a row written
    before its text was kept so, and for a catalogue entry that lost a placeholder."""
    if data:
        try:
            return str(restored(data))
        except (KeyError, TypeError, ValueError):
            pass
    return as_stored


def language_of(user: Any) -> str:
    """The language ``user`` reads notifications in (the default for an unknown one)."""
    language = getattr(user, "language", "") or settings.LANGUAGE_CODE
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def render(message: Message, language: str) -> str:
    """``message`` as ``language``'s readers read it."""
    if isinstance(message, str):
        return message
    with translation.override(language):
        return str(message)


def plain(message: Message) -> str:
    """``message`` in the default language (Chinese): what a text column stores of it."""
    return render(message, settings.LANGUAGE_CODE)


def stripped(message: Message) -> Message:
    """``message`` without surrounding blanks when it was typed (a ``str``); a lazy text as it is."""
    return message.strip() if isinstance(message, str) else message


def send(
    recipients: Iterable[Any], *, subject: Message, body: Message = "", url: str = ""
) -> list[Notification]:
    users = {u.pk: u for u in recipients if u is not None and getattr(u, "pk", None)}
    rows = []
    for u in users.values():
        language = language_of(u)
        rows.append(
            Notification.objects.create(
                recipient=u, subject=render(subject, language)[:200], body=render(body, language), url=url
            )
        )
    ids = [n.pk for n in rows]
    if ids:
        transaction.on_commit(lambda: _email(ids))
    return rows


def _email(ids: list[int]) -> None:
    for note in Notification.objects.filter(pk__in=ids, emailed=False).select_related("recipient"):
        address = note.recipient.email
        if not address:
            continue
        try:
            send_mail(
                f"[vasops] {note.subject}",
                f"{note.body}\n\n{note.url}".strip(),
                settings.DEFAULT_FROM_EMAIL,
                [address],
            )
        except Exception:  # the inbox row stays; the mail is logged as failed
            log.exception("email for notification %s failed", note.pk)
            continue
        Notification.objects.filter(pk=note.pk).update(emailed=True)


def unread_count(user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def mark_read(user: User, ids: Iterable[int] | None = None) -> int:
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=clock.now())
