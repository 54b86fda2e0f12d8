"""One generic list page (the NetBox habit): filters, search, sortable columns, pagination
with the total, CSV/Excel export and an empty state. Every list page subclasses it."""

from __future__ import annotations

import csv
import datetime as dt
import inspect
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partialmethod
from typing import Any

from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Model, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.formats import localize
from django.utils.functional import Promise
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString
from django.utils.timezone import template_localtime  # type: ignore[attr-defined]
from django.utils.translation import get_language, gettext, gettext_lazy
from django.views.generic import TemplateView

from vasops.core import clock, inputs, roles, ui

StrOrPromise = str | Promise  # a label: text, or a lazy translation read in the request's language

# a search term or filter value longer than this matches nothing (and is not sent to the database)
MAX_PARAM_LENGTH = 200

# (model class, field name) -> the choices field whose get_<name>_display Django generated, or None
_CHOICE_FIELDS: dict[tuple[type, str], Any] = {}
# (field, language) -> {stored value: label}
_CHOICE_LABELS: dict[tuple[Any, str | None], dict[Any, str]] = {}
_NO_FIELD = object()


def _choice_field(cls: type, name: str) -> Any:
    key = (cls, name)
    field = _CHOICE_FIELDS.get(key, _NO_FIELD)
    if field is _NO_FIELD:
        field = None
        meta = getattr(cls, "_meta", None)
        # only Django's generated display method (a partialmethod), never a hand-written override
        if meta is not None and isinstance(
            inspect.getattr_static(cls, f"get_{name}_display", None), partialmethod
        ):
            try:
                f = meta.get_field(name)
            except FieldDoesNotExist:
                f = None
            if f is not None and getattr(f, "choices", None) and not getattr(f, "is_relation", False):
                field = f
        _CHOICE_FIELDS[key] = field
    return field


def _display(obj: Any, field: Any) -> Any:
    """What ``obj.get_<field>_display()`` returns, without rebuilding (and re-translating) the
    field's choices dict for every cell."""
    key = (field, get_language())
    labels = _CHOICE_LABELS.get(key)
    if labels is None:
        labels = {value: force_str(label) for value, label in field.flatchoices}
        _CHOICE_LABELS[key] = labels
    value = getattr(obj, field.attname)
    try:
        return labels[value]
    except (KeyError, TypeError):
        return getattr(obj, f"get_{field.name}_display")()


@dataclass
class Column:
    name: str
    label: StrOrPromise
    accessor: Callable[[Any], Any] | None = None
    link: bool = False
    sort: str | None = None  # ORM field to order by; None = not sortable
    badge: bool = False  # render as a state badge (value must have get_<x>_display or be text)

    def raw(self, obj: Any) -> Any:
        """The stored value (a state code), used for the badge colour."""
        value: Any = obj
        for part in self.name.split("__"):
            value = getattr(value, part, None)
            if value is None:
                break
        return value

    def value(self, obj: Any) -> Any:
        if self.accessor is not None:
            return self.accessor(obj)
        value: Any = obj
        for part in self.name.split("__"):
            field = _choice_field(type(value), part)
            if field is not None:
                value = _display(value, field)
            else:
                display = getattr(value, f"get_{part}_display", None)
                value = display() if callable(display) else getattr(value, part, None)
            if value is None:
                break
        return value


@dataclass
class Filter:
    name: str
    label: StrOrPromise
    # (value, label) pairs; labels may be lazy translations (``Model.State.choices``).
    choices: Sequence[tuple[str, Any]] | Callable[[], Sequence[tuple[str, Any]]]
    lookup: str | None = None

    def options(self) -> list[tuple[str, Any]]:
        return list(self.choices() if callable(self.choices) else self.choices)


@dataclass
class ListConfig:
    columns: list[Column]
    filters: list[Filter] = field(default_factory=list)
    search_fields: list[str] = field(default_factory=list)
    default_sort: str = "-pk"


def _render_value(value: Any) -> str:
    """``{{ value }}`` as the template engine prints it (local time, localisation, escaping);
    a yes/no value in words."""
    if isinstance(value, bool):
        return conditional_escape(gettext("是") if value else gettext("否"))
    value = localize(template_localtime(value))
    return conditional_escape(value if isinstance(value, str) else str(value))


def cell_html(column: Column, value: Any, raw: Any, url: str | None) -> SafeString:
    """One table cell's content, rendered in Python: 25 rows × 10 columns of template tags were
    a good part of a list page's time."""
    if column.link and url:
        return format_html(
            '<a href="{}">{}</a>', url, "" if value is None else SafeString(_render_value(value))
        )
    if column.badge:
        return format_html(
            '<span class="badge {}">{}</span>', ui.badge_class(str(raw)), SafeString(_render_value(value))
        )
    return SafeString("" if value is None else _render_value(value))


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, bool):
        return gettext("是") if value else gettext("否")
    return str(value)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# What an .xlsx cell (XML 1.0) cannot hold: C0 controls but tab/newline/CR, lone surrogates,
# U+FFFE/U+FFFF. Such a character (stored before the input policy, or by a machine) is dropped.
_NOT_IN_EXCEL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def excel_safe(text: str) -> str:
    """``text`` without the characters a spreadsheet cell cannot hold."""
    return _NOT_IN_EXCEL.sub("", text)


def export_cell(value: Any) -> str:
    """Cell text for CSV/Excel. Text that a spreadsheet would run as a formula (a partner could
    type ``=HYPERLINK(...)`` into a name) is prefixed with an apostrophe; characters a cell
    cannot hold are dropped, so no stored value can break an export."""
    text = excel_safe(_cell_text(value))
    if isinstance(value, str) and text.startswith(_FORMULA_START):
        return "'" + text
    return text


# An unfiltered list over a table this large shows PostgreSQL's row estimate ("约 N 条")
# instead of an exact COUNT(*), which reads the whole table on every page view.
ESTIMATE_COUNT_ABOVE = 200_000


def _estimated_total(qs: QuerySet[Any]) -> int | None:
    """The planner's row count of ``qs``'s table when ``qs`` has no filter and the table is big;
    None when the exact count is cheap enough (or not on PostgreSQL)."""
    if qs.query.where or qs.query.is_sliced or qs.query.distinct or qs.query.combinator:
        return None
    if connections[qs.db].vendor != "postgresql":
        return None
    with connections[qs.db].cursor() as cur:
        cur.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [qs.model._meta.db_table]
        )
        row = cur.fetchone()
    estimate = int(row[0]) if row else -1
    return estimate if estimate > ESTIMATE_COUNT_ABOVE else None


class ObjectListView(TemplateView):
    """Subclass and set ``title``, ``config``, and ``get_base_queryset``.

    ``empty_text`` / ``empty_action`` tell the user what to do next when there is nothing."""

    template_name = "core/list.html"
    title: StrOrPromise = ""
    config: ListConfig
    paginate_by = 25
    empty_text: StrOrPromise = gettext_lazy("暂无数据。")
    empty_action: tuple[str, str] | None = None  # (label, url)
    create_url: tuple[str, str] | None = None
    #: (label, URL name, permission): the page's "new" button, shown to those holding the permission
    create_action: tuple[StrOrPromise, str, str] | None = None
    #: the breadcrumb trail, (label, URL or None) each; None: no trail
    breadcrumbs: list[tuple[StrOrPromise, str | None]] | None = None
    export_name = "export"
    #: the permission staff need to open the list: without it they get the 403 page, not an empty
    #: list (None: the view checks for itself)
    permission: str | None = None
    #: partner users open the list without ``permission``; ``get_base_queryset`` limits them to
    #: their own rows
    partner_rows = False

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        refused = self.permission is not None and user.is_authenticated and not user.has_perm(self.permission)
        if refused and not (self.partner_rows and roles.belongs_to_partner(user)):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_base_queryset(self) -> QuerySet[Any]:
        raise NotImplementedError

    def detail_url(self, obj: Model) -> str | None:
        get = getattr(obj, "get_absolute_url", None)
        return get() if callable(get) else None

    def get_queryset(self) -> QuerySet[Any]:
        qs = self.get_base_queryset()
        params = self.request.GET
        for flt in self.config.filters:
            value = params.get(flt.name, "").strip()
            if value:
                if inputs.text_problem(value) or len(value) > MAX_PARAM_LENGTH:
                    qs = qs.none()  # a hand-edited URL: nothing can match it
                    continue
                try:
                    qs = qs.filter(**{flt.lookup or flt.name: value})
                except (ValueError, ValidationError):
                    qs = qs.none()  # a hand-edited URL with a value the field cannot hold
        q = params.get("q", "").strip()
        if q and (inputs.text_problem(q) or len(q) > MAX_PARAM_LENGTH):
            # a search term the input policy refuses (NUL, control characters) matches nothing
            return qs.none()
        if q and self.config.search_fields:
            cond = Q()
            for f in self.config.search_fields:
                cond |= Q(**{f"{f}__icontains": q})
            qs = qs.filter(cond)
        sort = params.get("sort", "")
        allowed = {c.sort for c in self.config.columns if c.sort}
        if sort.lstrip("-") in allowed:
            qs = qs.order_by(sort, "-pk")
        else:
            qs = qs.order_by(self.config.default_sort)
        return qs

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        export = request.GET.get("export")
        if export in {"csv", "xlsx"}:
            return self.export(export)
        return super().get(request, *args, **kwargs)

    def rows_for(self, objects: Any) -> list[dict[str, Any]]:
        rows = []
        for obj in objects:
            url = self.detail_url(obj)
            cells = []
            for c in self.config.columns:
                value = c.value(obj)
                raw = c.raw(obj) if c.badge else None
                cells.append({"col": c, "value": value, "raw": raw, "html": cell_html(c, value, raw, url)})
            rows.append({"obj": obj, "url": url, "cells": cells})
        return rows

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        qs = self.get_queryset()
        paginator = Paginator(qs, self.paginate_by)
        estimate = _estimated_total(qs)
        if estimate is not None:
            paginator.count = estimate  # type: ignore[misc]  # cached_property: skip COUNT(*)
        page = paginator.get_page(self.request.GET.get("page"))
        params = self.request.GET.copy()
        params.pop("page", None)
        sort_params = params.copy()
        sort_params.pop("sort", None)
        ctx.update(
            title=gettext(str(self.title)) if self.title else self.title,
            page_obj=page,
            total=paginator.count,
            total_is_estimate=estimate is not None,
            rows=self.rows_for(page.object_list),
            columns=self.config.columns,
            filters=[
                {"f": f, "value": self.request.GET.get(f.name, ""), "options": f.options()}
                for f in self.config.filters
            ],
            q=self.request.GET.get("q", ""),
            searchable=bool(self.config.search_fields),
            querystring=params.urlencode(),
            sort_querystring=sort_params.urlencode(),
            current_sort=self.request.GET.get("sort", ""),
            empty_text=self.empty_text,
            empty_action=self.empty_action,
            create_url=self._create_url(),
            has_filters=bool(params),
        )
        if self.breadcrumbs is not None:
            ctx["breadcrumbs"] = self.breadcrumbs
        return ctx

    def _create_url(self) -> tuple[StrOrPromise, str] | None:
        if self.create_action is None:
            return self.create_url
        label, url_name, perm = self.create_action
        return (label, reverse(url_name)) if self.request.user.has_perm(perm) else None

    def export(self, fmt: str) -> HttpResponse:
        qs = self.get_queryset()[:100_000]
        header = [c.label for c in self.config.columns]
        stamp = clock.today().strftime("%Y%m%d")
        filename = f"{self.export_name}-{stamp}.{fmt}"
        if fmt == "csv":
            buf = io.StringIO()
            buf.write("\ufeff")  # Excel opens UTF-8 CSV with Chinese correctly
            writer = csv.writer(buf)
            writer.writerow([export_cell(h) for h in header])
            for obj in qs.iterator(chunk_size=2000):
                writer.writerow([export_cell(c.value(obj)) for c in self.config.columns])
            response = HttpResponse(buf.getvalue(), content_type="text/csv; charset=utf-8")
        else:
            from openpyxl import Workbook

            wb = Workbook(write_only=True)
            sheet = excel_safe("".join("_" if ch in "[]:*?/\\" else ch for ch in str(self.title)))[:31]
            ws = wb.create_sheet(sheet or "export")
            ws.append([export_cell(h) for h in header])
            for obj in qs.iterator(chunk_size=2000):
                ws.append([export_cell(c.value(obj)) for c in self.config.columns])
            out = io.BytesIO()
            wb.save(out)
            response = HttpResponse(
                out.getvalue(),
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
