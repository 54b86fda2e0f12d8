"""The 操作历史 panel in words: an audit row's action as its label, its before/after dictionaries
as "字段：旧值 → 新值" lines with the model's field names and the choices' labels."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.formats import date_format
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import localtime
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from vasops.core import notify, rules, vocabulary
from vasops.core.models import AuditEvent

# Keys of audit dictionaries that are not a field of the audited model (or whose field has no
# Chinese verbose name): the words people read for them.
FIELD_LABELS: dict[str, Any] = {
    "account_name": _("账户名称"),
    "account_number": _("银行账号"),
    "aggregate_score": _("评审总分"),
    "application_state": _("申请状态"),
    "bank_name": _("开户银行"),
    "business": _("业务成绩"),
    "business_line": _("业务类别"),
    "business_lines": _("业务类别"),
    "case": _("测试用例"),
    "change_request": _("变更申请"),
    "created_at": _("创建时间"),
    "created_by": _("创建人"),
    "cs_hotline": _("客服热线"),
    "document": _("文件"),
    "effective_from": _("生效日期"),
    "email": _("电子邮箱"),
    "fee_fen": _("资费"),
    "kind": _("类别"),
    "lifted_at": _("解除时间"),
    "meeting": _("评审会"),
    "name": _("名称"),
    "note": _("备注"),
    "number": _("号码"),
    "panel": _("评审组"),
    "partner": _("合作伙伴"),
    "passed": _("是否通过"),
    "phone": _("电话"),
    "pool": _("资源池"),
    "product": _("产品"),
    "quantity": _("数量"),
    "reason": _("原因"),
    "released_at": _("释放时间"),
    "role": _("角色"),
    "settlement_ratio_bp": _("结算比例"),
    "sheets": _("评分表"),
    "state": _("状态"),
    "systems": _("涉及系统"),
    "technical": _("技术成绩"),
    "term_end": _("合同终止日期"),
    "term_start": _("合同起始日期"),
    "test_case": _("测试用例"),
    "updated_at": _("更新时间"),
    "used": _("已占用"),
    "version": _("版本"),
    "work_orders": _("工单"),
}
EMPTY = "—"
OBJECT_REF = re.compile(r"([a-z_]+\.[a-z_]+):(\w+)")


@dataclass
class Change:
    label: str
    before: str | None  # None: the row says nothing about the value before
    after: str | None  # None: the row says nothing about the value after


@dataclass
class Entry:
    at: dt.datetime
    actor: str
    action: str
    reason: str
    changes: list[Change] = field(default_factory=list)
    # the reason for the page: what a person typed marked as theirs (``data-user-data``), a
    # reason the platform wrote in the reader's language with only its values marked
    reason_html: SafeString = field(default_factory=SafeString)


def _model(object_type: str) -> type[models.Model] | None:
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def _field(model: type[models.Model] | None, key: str) -> models.Field[Any, Any] | None:
    if model is None:
        return None
    for name in (key, key.removesuffix("_id")):
        try:
            f = model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if isinstance(f, models.Field):
            return f
    return None


def field_label(model: type[models.Model] | None, key: str) -> str:
    label = _field_label(model, key)
    # the value reads in yuan and in per cent (``value_text``), so does its label
    if key.endswith("_fen"):
        label = label.replace("（分）", "（元）").replace("(fen)", "(yuan)")
    if key.endswith("_bp"):
        label = label.replace("（基点）", "").replace(" (basis points)", "")
    return label


def _field_label(model: type[models.Model] | None, key: str) -> str:
    f = _field(model, key)
    if f is not None and getattr(f, "_verbose_name", None) is not None:  # declared, not derived
        return str(f.verbose_name)
    tables = (FIELD_LABELS, vocabulary.field_label_table())
    for name in (key, key.removesuffix("_id")):
        for table in tables:
            if name in table:
                return str(table[name])
    if f is not None:
        return str(f.verbose_name)
    return vocabulary.code_label(key)


def _related_text(f: models.Field[Any, Any], value: Any) -> str:
    related = f.related_model
    if not isinstance(related, type) or not issubclass(related, models.Model):
        return str(value)
    obj = related._default_manager.filter(pk=value).first()
    return str(obj) if obj is not None else f"#{value}"


def value_text(model: type[models.Model] | None, key: str, value: Any) -> str:
    """A stored audit value as words: choices as labels, booleans as 是/否, money in yuan,
    ratios in per cent, dates as dates, related objects by name, other codes by their label."""
    if value is None or value == "" or value == [] or value == {}:
        return EMPTY
    if isinstance(value, bool):
        return gettext("是") if value else gettext("否")
    if isinstance(value, list):
        return "、".join(value_text(model, key, v) for v in value)
    if isinstance(value, dict):
        return "；".join(
            f"{field_label(model, str(k))}：{value_text(model, str(k), v)}" for k, v in value.items()
        )
    f = _field(model, key)
    if f is not None and f.choices:
        labels = {str(v): label for v, label in f.flatchoices}
        if str(value) in labels:
            return str(labels[str(value)])
    if f is not None and f.is_relation and not isinstance(value, str | bool):
        return _related_text(f, value)
    if isinstance(value, int) and key.endswith("_fen"):
        return rules.format_fen(value)
    if isinstance(value, int) and key.endswith("_bp"):
        return f"{value / 100:.2f}%"
    if isinstance(value, str):
        when = parse_datetime(value) if "T" in value else None
        if when is not None:
            return date_format(localtime(when) if when.tzinfo else when, "Y-m-d H:i")
        day = parse_date(value) if len(value) == 10 else None
        if day is not None:
            return value
        label = vocabulary.code_label(value)
        if label == value and _model(value) is not None:  # an object type (an adjustment's source)
            return model_label(value)
        ref = OBJECT_REF.fullmatch(value)
        if label == value and ref and _model(ref[1]) is not None:  # "<object type>:<pk>"
            return object_text(ref[1], ref[2])
        return label
    return str(value)


def object_text(object_type: str, pk: str) -> str:
    """A referenced row in words: its own name, or its type and number when it is gone."""
    model = _model(object_type)
    obj = model._default_manager.filter(pk=pk).first() if model is not None and pk.isdigit() else None
    return str(obj) if obj is not None else f"{model_label(object_type)} #{pk}"


def changes_of(object_type: str, before: Any, after: Any) -> list[Change]:
    model = _model(object_type)
    if not isinstance(before, dict) and not isinstance(after, dict):
        return []
    b = before if isinstance(before, dict) else {}
    a = after if isinstance(after, dict) else {}
    out: list[Change] = []
    keys = list(dict.fromkeys([*b.keys(), *a.keys()]))
    for key in keys:
        if key in b and key in a:
            if b[key] == a[key]:
                continue
            out.append(
                Change(
                    field_label(model, key), value_text(model, key, b[key]), value_text(model, key, a[key])
                )
            )
        elif key in a:
            out.append(Change(field_label(model, key), None, value_text(model, key, a[key])))
        else:
            out.append(Change(field_label(model, key), value_text(model, key, b[key]), None))
    return out


def actor_text(event: AuditEvent) -> str:
    if event.actor_id or event.actor_label not in {"", "system"}:
        return event.actor_label
    return gettext("系统")


def reason_text(event: AuditEvent) -> str:
    """An event's reason in the active language: a reason the platform wrote is rendered from its
    msgid and params; one a person typed, and any row written before reasons were stored so,
    reads as stored."""
    return event.reason_text


def _user_data(value: Any) -> SafeString:
    return format_html("<span data-user-data>{}</span>", value)


def _reason_html(data: Any) -> SafeString:
    if isinstance(data, dict) and "msgid" in data:
        frame = conditional_escape(gettext(str(data["msgid"])))
        params = {str(k): _reason_html(v) for k, v in (data.get("params") or {}).items()}
        return mark_safe(frame % params if params else frame)  # noqa: S308 — every part escaped
    if isinstance(data, str):  # a name, a number, what someone typed: as it is
        return _user_data(data)
    return conditional_escape(str(notify.restored(data)))


def reason_html(event: AuditEvent) -> SafeString:
    """:func:`reason_text` for a page: the platform's words readable (and checked by the words
    walk), the values inside them — and a reason a person typed — marked as user data."""
    if event.reason_message:
        try:
            return _reason_html(event.reason_message)
        except (KeyError, TypeError, ValueError):
            pass
    return _user_data(event.reason) if event.reason else SafeString()


def entry(event: AuditEvent) -> Entry:
    return Entry(
        at=event.at,
        actor=actor_text(event),
        action=vocabulary.event_label(event.action),
        reason=reason_text(event),
        changes=changes_of(event.object_type, event.before, event.after),
        reason_html=reason_html(event),
    )


def model_label(object_type: str) -> str:
    """An audited object's type in words (its model's verbose name)."""
    model = _model(object_type)
    if model is None:
        return vocabulary.code_label(object_type)
    if "verbose_name" in model._meta.original_attrs:
        return str(model._meta.verbose_name)
    return vocabulary.code_label(object_type, default=str(model._meta.verbose_name))
