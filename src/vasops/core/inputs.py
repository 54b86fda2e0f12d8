"""The one input policy for text and numbers that come from outside (forms, API schemas, query
parameters, imported files, action arguments).

Text:
- refused: NUL and the other C0 control characters, DEL, the C1 controls (U+0080–U+009F),
  lone surrogates (U+D800–U+DFFF, which only a JSON ``\\ud800`` escape can produce) and the
  noncharacters U+FFFE/U+FFFF (none can be stored in PostgreSQL or in an Excel file);
  a multi-line field (a ``TextField``, a textarea) allows tab, newline and carriage return;
- leading and trailing whitespace is stripped; required text that is blank after stripping is
  refused ("不能为空"), never stored as "";
- the length limit is the model field's ``max_length`` (``TEXT_MAX_LENGTH`` for a ``TextField``).

Integers (money is integer fen): the bounds of the column type (``IntegerField`` ±2^31,
``PositiveIntegerField`` 0…2^31−1, …) narrowed by the field's Min/MaxValueValidators.

Where it is applied:
- every Django form through :class:`InputPolicyMixin` (``core.forms.StyledFormMixin`` derives from it,
  so every form of the project has it); a form sets ``input_model = Product`` to take each field's
  length and bounds from the model field of the same name;
- every API request body through :class:`InputSchema` and :func:`model_field` / :func:`text_field` /
  :func:`int_field`, which also put ``maxLength``, ``pattern``, ``minimum``/``maximum`` into the
  OpenAPI document; query parameters through ``api.urls`` (characters) and ``core.apiutils``
  (``Offset``, ``Limit``, ``SearchText``);
- list pages (``core.listing``) and imports (``core.imports``) call :func:`text_problem`;
- a ``pre_save`` guard (:func:`check_instance`, connected in ``core.apps``) refuses, for every
  model of the project, text the database cannot hold (NUL, lone surrogates, over-long values) and
  integers outside the column's range, as ``core.validation`` instead of a database error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any

from django import forms
from django.core import validators as dj_validators
from django.core.exceptions import ValidationError
from django.db import models
from django.db.backends.base.operations import BaseDatabaseOperations
from django.utils.translation import gettext
from ninja import Schema
from pydantic import Field, field_validator
from pydantic_core import PydanticCustomError

from vasops.core.errors import CoreError, DomainError

# A TextField has no length in the database; this is the most the platform accepts in one.
TEXT_MAX_LENGTH = 10_000
# A reason, note or comment typed into a schema that maps to no single model field.
REASON_MAX_LENGTH = 2_000
# A single-line form field that names no length (and maps to no model field) is capped here.
LINE_MAX_LENGTH = 1_000

_SURROGATES_AND_NONCHARS = "\ud800-\udfff\ufffe\uffff"
_BAD_SINGLE = re.compile(f"[\x00-\x1f\x7f-\x9f{_SURROGATES_AND_NONCHARS}]")
_BAD_MULTI = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{_SURROGATES_AND_NONCHARS}]")
# Storage-level: what PostgreSQL cannot hold at all (the pre_save guard).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")

# The same rules as JSON Schema patterns for the OpenAPI document (ECMA/Python/Rust regex syntax).
PATTERN_LINE = r"^[^\x00-\x1f\x7f-\x9f]*$"
PATTERN_TEXT = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$"
# Required text: at least one character that is not whitespace.
PATTERN_LINE_REQUIRED = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"
PATTERN_TEXT_REQUIRED = (
    r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$"
)

INT32 = (-(2**31), 2**31 - 1)


def _describe(ch: str) -> str:
    code = ord(ch)
    if code == 0:
        return gettext("空字符（NUL）")
    if 0xD800 <= code <= 0xDFFF:
        return gettext("不成对的代理字符 U+%(code)s") % {"code": f"{code:04X}"}
    if ch in "\t\n\r":
        return gettext("换行或制表符")
    return gettext("控制字符 U+%(code)s") % {"code": f"{code:04X}"}


def text_problem(value: str, *, multiline: bool = False) -> str | None:
    """Why ``value`` breaks the character rules (Chinese, for people), or None."""
    match = (_BAD_MULTI if multiline else _BAD_SINGLE).search(value)
    if match is None:
        return None
    where = gettext("此字段只能填写一行，") if match.group() in "\t\n\r" else ""
    return gettext("%(where)s含有不允许的字符：%(describe)s（第 %(start)s 个字符）。") % {
        "where": where,
        "describe": _describe(match.group()),
        "start": match.start() + 1,
    }


class InputError(DomainError):
    """Input that breaks the policy: ``core.validation`` naming the field."""

    def __init__(self, message: str, *, field: str | None = None, status: int = 422) -> None:
        super().__init__(CoreError.VALIDATION, message, status=status, field=field)


def clean_text(
    value: Any,
    *,
    field: str | None = None,
    label: str | None = None,
    multiline: bool = False,
    required: bool = True,
    max_length: int | None = None,
) -> str:
    """``value`` stripped and checked against the policy; raises :class:`InputError`."""
    name = label or field or gettext("文本")
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InputError(gettext("“%(name)s”应为文本。") % {"name": name}, field=field)
    problem = text_problem(value, multiline=multiline)
    if problem:
        raise InputError(gettext("“%(name)s”%(problem)s") % {"name": name, "problem": problem}, field=field)
    value = value.strip()
    if required and not value:
        raise InputError(gettext("“%(name)s”不能为空。") % {"name": name}, field=field)
    if max_length is not None and len(value) > max_length:
        raise InputError(
            gettext("“%(name)s”最多 %(max_length)s 个字符（现有 %(value_count)s 个）。")
            % {"name": name, "max_length": max_length, "value_count": len(value)},
            field=field,
        )
    return value


def check_int(value: int, *, low: int, high: int, field: str | None = None, label: str | None = None) -> int:
    if not low <= value <= high:
        raise InputError(
            gettext("“%(label)s”须在 %(low)s 到 %(high)s 之间。")
            % {"label": label or field or gettext("数值"), "low": low, "high": high},
            field=field,
        )
    return value


# --- limits from the model field ------------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    """What the policy allows for one model field."""

    kind: str  # "text" | "int" | "other"
    required: bool
    multiline: bool = False
    max_length: int | None = None
    minimum: int | None = None
    maximum: int | None = None
    label: str = ""


def column_range(field: models.Field) -> tuple[int, int] | None:
    """The integer range of ``field``'s column (PostgreSQL's, the production database)."""
    return BaseDatabaseOperations.integer_field_ranges.get(field.get_internal_type())


def limits_of(model: type[models.Model], name: str) -> Limits:
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field):  # a reverse relation: nothing to bound
        return Limits("other", False, label=name)
    label = str(field.verbose_name)
    if isinstance(field, models.CharField | models.TextField):
        multiline = isinstance(field, models.TextField)
        max_length = field.max_length or (TEXT_MAX_LENGTH if multiline else None)
        return Limits("text", not field.blank, multiline, max_length, label=label)
    rng = column_range(field)
    if rng is not None:
        low, high = rng
        for v in field.validators:
            if isinstance(v, dj_validators.MinValueValidator) and isinstance(v.limit_value, int):
                low = max(low, v.limit_value)
            if isinstance(v, dj_validators.MaxValueValidator) and isinstance(v.limit_value, int):
                high = min(high, v.limit_value)
        return Limits("int", not (field.null or field.has_default()), minimum=low, maximum=high, label=label)
    return Limits("other", not field.blank, label=label)


# --- Django forms ---------------------------------------------------------------------------


class TextPolicyValidator:
    """A form validator: the character rules (lengths are the field's ``max_length``)."""

    def __init__(self, *, multiline: bool) -> None:
        self.multiline = multiline

    def __call__(self, value: Any) -> None:
        if isinstance(value, str):
            problem = text_problem(value, multiline=self.multiline)
            if problem:
                raise ValidationError(problem, code="text_policy")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TextPolicyValidator) and other.multiline == self.multiline

    def __hash__(self) -> int:
        return hash(self.multiline)


def _set_max_length(field: forms.CharField, max_length: int) -> None:
    if field.max_length is not None and field.max_length <= max_length:
        return
    field.max_length = max_length
    field.validators = [v for v in field.validators if not isinstance(v, dj_validators.MaxLengthValidator)]
    field.validators.append(dj_validators.MaxLengthValidator(max_length))
    field.widget.attrs.update(field.widget_attrs(field.widget))


def _set_int_bounds(field: forms.IntegerField, low: int, high: int) -> None:
    if field.min_value is None or field.min_value < low:
        field.min_value = low
        field.validators.append(dj_validators.MinValueValidator(low))
    if field.max_value is None or field.max_value > high:
        field.max_value = high
        field.validators.append(dj_validators.MaxValueValidator(high))
    field.widget.attrs.update(field.widget_attrs(field.widget))


class InputPolicyMixin:
    """Applies the policy to every field of a form: the character rules on every text field
    (multi-line when its widget is a textarea), stripping (Django's default), a length for every
    text field and bounds for every integer field. With ``input_model`` set, each field named like
    a model field takes that field's length and bounds."""

    input_model: type[models.Model] | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_fields = (
            {f.name for f in self.input_model._meta.concrete_fields}
            if self.input_model is not None
            else set()
        )
        for name, field in self.fields.items():  # type: ignore[attr-defined]
            limits = limits_of(self.input_model, name) if name in model_fields else None  # type: ignore[arg-type]
            if isinstance(field, forms.CharField):
                multiline = isinstance(field.widget, forms.Textarea)
                if not any(isinstance(v, TextPolicyValidator) for v in field.validators):
                    field.validators.append(TextPolicyValidator(multiline=multiline))
                if limits is not None and limits.kind == "text" and limits.max_length:
                    _set_max_length(field, limits.max_length)
                elif field.max_length is None:
                    _set_max_length(field, TEXT_MAX_LENGTH if multiline else LINE_MAX_LENGTH)
            elif isinstance(field, forms.IntegerField):
                if limits is not None and limits.kind == "int":
                    assert limits.minimum is not None and limits.maximum is not None
                    _set_int_bounds(field, limits.minimum, limits.maximum)
                else:
                    _set_int_bounds(field, *INT32)


# --- API schemas (pydantic / django-ninja) --------------------------------------------------

_JSON_KEY = "x-vasops"


def text_field(
    *,
    max_length: int,
    multiline: bool = False,
    required: bool = True,
    default: Any = ...,
    description: str | None = None,
) -> Any:
    """A text property of an :class:`InputSchema`: ``maxLength`` and ``pattern`` in the OpenAPI
    document; stripped and checked by the schema. Optional text defaults to ""."""
    if default is ... and not required:
        default = ""
    if required:
        pattern = PATTERN_TEXT_REQUIRED if multiline else PATTERN_LINE_REQUIRED
    else:
        pattern = PATTERN_TEXT if multiline else PATTERN_LINE
    return Field(
        default,
        max_length=max_length,
        min_length=1 if required else None,
        pattern=pattern,
        description=description,
        json_schema_extra={_JSON_KEY: {"multiline": multiline, "required": required}},
    )


# Text inside a dict or list of a schema (``values: dict[KeyText, LineText]``).
KeyText = Annotated[str, Field(max_length=50, pattern=PATTERN_LINE)]
LineText = Annotated[str, Field(max_length=255, pattern=PATTERN_LINE)]


def int_field(*, ge: int, le: int, default: Any = ..., description: str | None = None) -> Any:
    """An integer property with its bounds (``minimum``/``maximum`` in the OpenAPI document)."""
    return Field(default, ge=ge, le=le, description=description)


def model_field(
    model: type[models.Model],
    name: str,
    *,
    default: Any = ...,
    required: bool | None = None,
    description: str | None = None,
) -> Any:
    """A property whose limits come from ``model.<name>``: a text field's length and whether it
    may be blank, an integer field's column range and validators."""
    limits = limits_of(model, name)
    description = description or limits.label
    if limits.kind == "text":
        assert limits.max_length is not None
        req = limits.required if required is None else required
        if default is not ...:
            req = required if required is not None else False
        return text_field(
            max_length=limits.max_length,
            multiline=limits.multiline,
            required=req,
            default=default,
            description=description,
        )
    if limits.kind == "int":
        assert limits.minimum is not None and limits.maximum is not None
        return int_field(ge=limits.minimum, le=limits.maximum, default=default, description=description)
    return Field(default, description=description)


# free text nested inside dicts/lists of a schema (keys and values of ``details``)
NESTED_MAX_LENGTH = 1_000


def _nested(value: Any, loc: str) -> Any:
    if isinstance(value, str):
        problem = text_problem(value, multiline=True)
        if problem:
            raise PydanticCustomError("text_policy", "{loc}{problem}", {"loc": loc, "problem": problem})
        if len(value) > NESTED_MAX_LENGTH:
            raise PydanticCustomError(
                "text_too_long", gettext("{loc}最多 {n} 个字符。"), {"loc": loc, "n": NESTED_MAX_LENGTH}
            )
        return value.strip()
    if isinstance(value, dict):
        return {_nested(k, loc): _nested(v, f"{loc}{k}：") for k, v in value.items()}
    if isinstance(value, list):
        return [_nested(v, loc) for v in value]
    return value


class InputSchema(Schema):
    """Base of every API request body: every text value (also inside dicts and lists) passes
    the policy; properties declared with :func:`text_field`/:func:`model_field` are stripped,
    must not be blank when required and are no longer than their ``maxLength``. The errors are
    Chinese and name the property."""

    @field_validator("*", mode="before")
    @classmethod
    def _input_policy(cls, value: Any, info: Any) -> Any:
        field = cls.model_fields.get(info.field_name)
        extra = (field.json_schema_extra if field is not None else None) or {}
        spec = extra.get(_JSON_KEY) if isinstance(extra, dict) else None
        if isinstance(value, str) and isinstance(spec, dict):
            problem = text_problem(value, multiline=bool(spec["multiline"]))
            if problem:
                raise PydanticCustomError("text_policy", "{problem}", {"problem": problem})
            value = value.strip()
            if spec["required"] and not value:
                raise PydanticCustomError("text_blank", gettext("不能为空。"))
            max_length = _max_length(field)
            if max_length is not None and len(value) > max_length:
                raise PydanticCustomError(
                    "text_too_long",
                    gettext("最多 {n} 个字符（现有 {m} 个）。"),
                    {"n": max_length, "m": len(value)},
                )
            return value
        return _nested(value, "")


def _max_length(field: Any) -> int | None:
    for meta in getattr(field, "metadata", ()):
        n = getattr(meta, "max_length", None)
        if n is not None:
            return int(n)
    return None


# --- the storage guard ----------------------------------------------------------------------


def check_instance(instance: models.Model) -> None:
    """Refuse (``core.validation``) values the database cannot store: NUL or lone surrogates in
    text, text longer than the column, integers outside the column's range. A stored row can
    never break these, so saving an existing row again always passes."""
    for field in instance._meta.concrete_fields:
        if isinstance(field, models.CharField | models.TextField):
            value = getattr(instance, field.attname, None)
            if not isinstance(value, str):
                continue
            if _UNSTORABLE.search(value):
                raise InputError(
                    f"“{field.verbose_name}”{text_problem(value, multiline=True)}", field=field.name
                )
            if field.max_length is not None and len(value) > field.max_length:
                raise InputError(
                    gettext("“%(verbose_name)s”最多 %(max_length)s 个字符（现有 %(value_count)s 个）。")
                    % {
                        "verbose_name": field.verbose_name,
                        "max_length": field.max_length,
                        "value_count": len(value),
                    },
                    field=field.name,
                )
        elif isinstance(field, models.IntegerField) and not field.primary_key:
            value = getattr(instance, field.attname, None)
            if isinstance(value, int) and not isinstance(value, bool):
                rng = column_range(field)
                if rng is not None and not rng[0] <= value <= rng[1]:
                    raise InputError(
                        gettext("“%(verbose_name)s”须在 %(low)s 到 %(high)s 之间。")
                        % {"verbose_name": field.verbose_name, "low": rng[0], "high": rng[1]},
                        field=field.name,
                    )


def guard_pre_save(sender: type[models.Model], instance: models.Model, raw: bool = False, **_: Any) -> None:
    if raw or not sender.__module__.startswith("vasops."):
        return
    check_instance(instance)
