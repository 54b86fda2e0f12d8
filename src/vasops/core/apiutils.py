"""Helpers for each app's ``api.py`` (TMF630 conventions): offset/limit paging with
``X-Total-Count``, and the error shape is produced centrally by the ``api`` app."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import Schema

from vasops.core.errors import NotFound

M = TypeVar("M", bound=Model)

MAX_LIMIT = 500


class PageParams(Schema):
    offset: int = 0
    limit: int = 50


def paginate(qs: QuerySet[M], response: HttpResponse, offset: int, limit: int) -> list[M]:
    """Slice ``qs`` and set ``X-Total-Count`` on the response."""
    offset = max(offset, 0)
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
