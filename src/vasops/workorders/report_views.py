"""Console page of the work-order SLA report 工单时限报表 (chart + table + Excel)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext

from vasops.core import clock, roles
from vasops.workorders import reports
from vasops.workorders.permissions import VIEW_ALL


def may_view_report(user: Any) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and (user.has_perm(VIEW_ALL) or roles.has_role(user, roles.DEPARTMENT_HEAD))
    )


@login_required
def sla_report(request: HttpRequest) -> HttpResponse:
    if not may_view_report(request.user):
        raise DjangoPermissionDenied
    month = request.GET.get("month", "").strip() or None
    if month is not None and not reports.valid_month(month):
        messages.error(
            request,
            gettext("月份“%(month)s”无效，应为 YYYY-MM（如 2026-11）；下面显示最近 30 天。")
            % {"month": month},
        )
        month = None
    groups, period_label = reports.build(month)
    if request.GET.get("export") == "xlsx":
        response = HttpResponse(
            reports.to_xlsx(groups, period_label),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        stamp = month or clock.today().strftime("%Y%m%d")
        response["Content-Disposition"] = f'attachment; filename="workorder-sla-{stamp}.xlsx"'
        return response
    return render(
        request,
        "workorders/report/sla.html",
        {
            "title": gettext("工单时限报表"),
            "breadcrumbs": [(gettext("工单"), None), (gettext("时限报表"), None)],
            "groups": groups,
            "period_label": period_label,
            "month": month or "",
            "chart": reports.chart_data(groups),
            "querystring": f"month={month}&" if month else "",
        },
    )
