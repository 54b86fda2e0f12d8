"""Typed domain errors: a stable code for machines, a translated message for people."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext

from vasops.core.vocabulary import ErrorCode

if TYPE_CHECKING:
    from vasops.core.notify import Message


class CoreError(ErrorCode):
    PERMISSION_DENIED = "core.permission_denied"
    NOT_FOUND = "core.not_found"
    INVALID_TRANSITION = "core.invalid_transition"
    UPLOAD_TOO_LARGE = "core.upload_too_large"
    UPLOAD_TYPE_REFUSED = "core.upload_type_refused"
    UPLOAD_EMPTY = "core.upload_empty"
    CALENDAR_MISSING = "core.calendar_missing"
    VALIDATION = "core.validation"
    IMPORT_FILE_INVALID = "core.import_file_invalid"
    # the API's answers that come from no action (api.urls, api.middleware)
    UNAUTHENTICATED = "core.unauthenticated"
    BAD_REQUEST = "core.bad_request"
    CSRF_FAILED = "core.csrf_failed"
    METHOD_NOT_ALLOWED = "core.method_not_allowed"
    TOO_LARGE = "core.too_large"
    THROTTLED = "core.throttled"
    SERVER_ERROR = "core.server_error"


class DomainError(Exception):
    """An action refused. ``code`` is a stable string; ``message`` is for people, in the language
    active when the refusal is raised (the request's: raise sites wrap it in ``gettext``, see
    ``tools/i18n_errors.py``).

    ``clause`` names the carrier standard's clause a refusal comes from, e.g.
    "《日常事务办理规范》第三章 一、4"; it is appended to the message people read
    ("（依据：…）", in English " (per: …)" with the clause's English gloss when the catalogue
    has one: the clause constants are marked with ``gettext_noop``).
    ``field`` names the input field that is wrong, when there is one.
    """

    def __init__(
        self,
        code: str,
        message: str,
        *,
        status: int = 400,
        clause: str | None = None,
        field: str | None = None,
        **params: Any,
    ) -> None:
        self.code = str(code)
        self.message = str(message)
        self.status = status
        self.clause = clause
        self.field = field
        self.params = params
        super().__init__(self.full_message)

    @property
    def full_message(self) -> str:
        if self.clause:
            return with_clause(self.message, self.clause)
        return self.message

    @property
    def reason(self) -> str:
        return self.code.split(".", 1)[-1].replace("_", " ")

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "code": self.code,
            "reason": self.reason,
            "message": self.full_message,
            "status": str(self.status),
        }
        if self.field:
            body["field"] = self.field
        return body


def error_body(code: str, message: str, status: int, **extra: Any) -> dict[str, Any]:
    """The API's one error shape (TMF630 plus the request id):
    ``{code, reason, message, status, request_id}`` and optionally ``field``/``errors``."""
    from vasops.core.request_context import current_request_id

    body: dict[str, Any] = {
        "code": str(code),
        "reason": str(code).split(".", 1)[-1].replace("_", " "),
        "message": message,
        "status": str(status),
        "request_id": current_request_id(),
    }
    body.update({k: v for k, v in extra.items() if v is not None})
    return body


def with_clause(message: str, clause: str) -> str:
    """``message`` followed by the clause it applies, both in the active language."""
    return gettext("%(message)s（依据：%(clause)s）") % {"message": message, "clause": gettext(clause)}


class PermissionDenied(DomainError):
    def __init__(self, message: str | None = None, **params: Any) -> None:
        message = message or gettext("您没有执行此操作的权限。")
        super().__init__(CoreError.PERMISSION_DENIED, message, status=403, **params)


class NotFound(DomainError):
    def __init__(self, message: str | None = None, **params: Any) -> None:
        message = message or gettext("对象不存在或您无权查看。")
        super().__init__(CoreError.NOT_FOUND, message, status=404, **params)


def required_text(text: str | None, code: str, message: str, *, field: str = "reason") -> str:
    """``text`` stripped, or refuse with ``code`` when it is blank: the one check behind every
    "a reason (a note, a comment) is required" of the actions."""
    value = (text or "").strip()
    if not value:
        raise DomainError(code, message, field=field)
    return value


def required_message(text: Message | None, code: str, message: str, *, field: str = "reason") -> Message:
    """:func:`required_text` for a reason that is either typed (a ``str``: stripped, required) or
    written by the platform (``notify.text(…)``, never blank: kept as it is, so that each reader
    reads it in their language)."""
    if text is None or isinstance(text, str):
        return required_text(text, code, message, field=field)
    return text
