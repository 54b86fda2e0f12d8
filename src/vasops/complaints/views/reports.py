"""Console complaints dashboard 投诉报表 (SVG charts, tables, Excel)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext

from vasops.complaints import charts, reports
from vasops.complaints.permissions import REPORT
from vasops.core import clock
from vasops.core.permissions import has


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    if not has(request.user, REPORT):
        raise DjangoPermissionDenied
    month = request.GET.get("month", "").strip() or None
    if month is not None and not reports.valid_month(month):
        messages.error(request, f"月份“{month}”无效，应为 YYYY-MM（如 2026-11）；下面显示最近 30 天。")
        month = None
    d = reports.build(month)
    if request.GET.get("export") == "xlsx":
        response = HttpResponse(
            reports.to_xlsx(d),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        stamp = month or clock.today().strftime("%Y%m%d")
        response["Content-Disposition"] = f'attachment; filename="complaints-{stamp}.xlsx"'
        return response
    return render(
        request,
        "complaints/dashboard.html",
        {
            "title": gettext("投诉报表"),
            "breadcrumbs": [(gettext("客户投诉"), reverse("complaints:list")), (gettext("投诉报表"), None)],
            "d": d,
            "month": month or "",
            "querystring": f"month={month}&" if month else "",
            "day_chart": charts.bar_chart(
                [(f"{day:%m-%d}", n) for day, n in d.by_day], title=gettext("每日投诉量")
            ),
            "category_chart": charts.hbar_chart(d.by_category, title=gettext("投诉类别")),
            "state_chart": charts.hbar_chart(d.by_state, title=gettext("处理状态")),
        },
    )
