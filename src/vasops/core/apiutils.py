"""Helpers for each app's ``api.py`` (TMF630 conventions): offset/limit paging with
``X-Total-Count``, the types of list parameters (bounded, in the OpenAPI document), and scoped
lookups. The error shape is produced centrally by the ``api`` app; request bodies derive from
``core.inputs.InputSchema``."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import Schema
from pydantic import Field

from vasops.core.errors import NotFound
from vasops.core.inputs import PATTERN_LINE

M = TypeVar("M", bound=Model)

MAX_LIMIT = 500
MAX_OFFSET = 2**31 - 1
MAX_ID = 2**63 - 1  # a bigint primary key

# List parameters: use these instead of bare ``int``/``str`` so clients see the bounds.
Offset = Annotated[int, Field(ge=0, le=MAX_OFFSET, description="跳过的条数（0–2147483647）")]
Limit = Annotated[int, Field(ge=1, le=MAX_LIMIT, description=f"每页条数（1–{MAX_LIMIT}）")]
SearchText = Annotated[str, Field(max_length=100, pattern=PATTERN_LINE, description="搜索词（最多 100 字）")]
FilterText = Annotated[str, Field(max_length=50, pattern=PATTERN_LINE)]
IdParam = Annotated[int, Field(ge=1, le=MAX_ID)]


class PageParams(Schema):
    offset: Offset = 0
    limit: Limit = 50


def paginate(qs: QuerySet[M], response: HttpResponse, offset: int, limit: int) -> list[M]:
    """Slice ``qs`` and set ``X-Total-Count`` on the response (bounds enforced again here for
    callers that pass plain ints)."""
    offset = min(max(offset, 0), MAX_OFFSET)
    limit = min(max(limit, 1), MAX_LIMIT)
    response["X-Total-Count"] = str(qs.count())
    return list(qs[offset : offset + limit])


def get_or_404(qs: QuerySet[M], **lookup: Any) -> M:
    """Scoped lookup: another partner's object is simply 'not found'."""
    obj = qs.filter(**lookup).first()
    if obj is None:
        raise NotFound()
    return obj


def actor(request: HttpRequest) -> Any:
    return request.user
