"""Helpers shared by the catalogue's pages."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from vasops.catalog import importing, queries
from vasops.catalog.models import Product
from vasops.core.errors import DomainError, NotFound
from vasops.partners import queries as partner_queries


def product_or_404(request: HttpRequest, pk: int) -> Product:
    try:
        return queries.get_product(request.user, pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def form_error(form: Any, exc: DomainError, field_map: dict[str, str] | None = None) -> None:
    field = (field_map or {}).get(exc.field or "", exc.field)
    form.add_error(field if field in form.fields else None, exc.full_message)


def own_partner(request: HttpRequest) -> Any:
    partner = partner_queries.partner_of(request.user)
    if partner is None:
        raise Http404("仅合作伙伴用户可使用此页面。")
    return partner


def require_perm(request: HttpRequest, *perms: str) -> None:
    if not all(request.user.has_perm(p) for p in perms):
        raise DjangoPermissionDenied(*perms)  # the 403 page names the roles holding them


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=importing.XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
