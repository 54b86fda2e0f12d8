"""Read side of admission: every query reachable by a partner user is scoped to its partner."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils.translation import gettext

from vasops.admission import rules
from vasops.admission.errors import AdmissionError
from vasops.admission.models import AccessTestResult, AdmissionSettings, Application, ApplicationMaterial
from vasops.catalog import queries as catalog_queries
from vasops.catalog.errors import CatalogError
from vasops.core import audit, clock, history, roles, vocabulary
from vasops.core.errors import NotFound
from vasops.core.models import Deadline
from vasops.partners import queries as partner_queries
from vasops.partners.rules import Problem

S = Application.State
VIEW_PERM = "admission.view_application"
DEADLINE_ACCESS_DATA = "access_data"
DONE_WORK_ORDER_STATES = frozenset({"closed", "resolved"})


def acceptance_months() -> list[int]:
    return AdmissionSettings.current().months() or list(rules.DEFAULT_ACCEPTANCE_MONTHS)


@dataclass(frozen=True)
class WindowStatus:
    today: dt.date
    phase: rules.Phase
    is_open: bool
    window_month: dt.date
    closes_on: dt.date
    next_opening: dt.date
    months: list[int]

    @property
    def phase_label(self) -> str:
        return gettext(rules.PHASE_LABELS[self.phase])


def window_status(on: dt.date | None = None) -> WindowStatus:
    day = on or clock.today()
    months = acceptance_months()
    opening = rules.next_window_opening(day, months)
    return WindowStatus(
        today=day,
        phase=rules.phase_of(day, months),
        is_open=rules.is_application_open(day, months),
        window_month=rules.month_start(day),
        closes_on=rules.window_closes(opening),
        next_opening=opening,
        months=months,
    )


def applications_for(user: Any) -> QuerySet[Application]:
    """Staff with the view permission see all; a partner user only its partner's; others none."""
    qs = Application.objects.select_related("partner").prefetch_related("business_lines")
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    if user.has_perm(VIEW_PERM):
        return qs
    partner = partner_queries.partner_of(user)
    if partner is None:
        return qs.none()
    return qs.filter(partner=partner)


def application_for(user: Any, pk: Any) -> Application:
    app = applications_for(user).filter(pk=pk).first()
    if app is None:
        raise NotFound(gettext("准入申请不存在或您无权查看。"))
    return app


def is_partner_side(user: Any, app: Application) -> bool:
    partner = partner_queries.partner_of(user)
    return partner is not None and partner.pk == app.partner_id


def open_application_of(partner: Any, *, exclude_pk: int | None = None) -> Application | None:
    qs = Application.objects.filter(partner=partner, state__in=rules.OPEN_STATES)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs.first()


def admitted_lines(partner: Any, *, exclude_pk: int | None = None) -> dict[str, str]:
    """The business lines ``partner`` is admitted for: line code → the admitting application's
    number (accepted and later states)."""
    qs = Application.objects.filter(partner=partner, state__in=rules.ADMITTED_STATES)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    out: dict[str, str] = {}
    for number, code in qs.order_by("created_at").values_list("number", "business_lines__code"):
        if code:
            out.setdefault(code, number)
    return out


def current_materials(app: Application) -> dict[str, ApplicationMaterial]:
    rows = app.materials.filter(is_current=True).select_related("document")
    return {m.kind: m for m in rows}


def capability_of(app: Application) -> rules.Capability:
    return rules.Capability(
        access_method=app.access_method,
        certified_om_staff=app.certified_om_staff,
        cs_hotline=app.cs_hotline,
        call_centre_seats=app.call_centre_seats,
        call_centre_agents=app.call_centre_agents,
        connect_rate_bp=app.connect_rate_bp,
        answered_20s_bp=app.answered_20s_bp,
    )


def eligibility_problems(app: Application, on: dt.date | None = None) -> list[Problem]:
    """EVERY failing rule for submitting ``app`` on ``on``: partner eligibility (qualifications,
    restrictions), capability, materials, product forms, window, one open application."""
    day = on or clock.today()
    lines = app.lines()
    problems: list[Problem] = list(
        partner_queries.eligibility_problems(
            app.partner, day, business_lines=[key for line in lines for key in (line.code, line.name)]
        )
    )
    problems += resource_problems(lines)
    problems += rules.admitted_line_problems(
        [line.code for line in lines],
        admitted_lines(app.partner, exclude_pk=app.pk),
        {line.code: line.label for line in lines},
    )
    if rules.capability_required(app.partner.kind):  # SP/AP only (第二章 一(五))
        problems += rules.capability_problems(capability_of(app))
    problems += rules.material_problems(current_materials(app).keys())
    problems += rules.product_problems(
        [line.code for line in lines],
        list(app.products.values_list("business_line__code", flat=True)),
        {line.code: line.label for line in lines},
    )
    if app.state == S.RETURNED:
        if not rules.in_own_window(day, app.window_month):
            problems.append(
                Problem(
                    AdmissionError.WINDOW_CLOSED,
                    gettext("退回修改的申请须在原受理期内（%(window_month)s1–10 日）重新提交。")
                    % {"window_month": format(app.window_month, gettext("%Y年%m月"))},
                    rules.CLAUSE_WINDOW,
                )
            )
    else:
        months = acceptance_months()
        wp = rules.window_problem(day, months)
        if wp is None and not rules.in_own_window(day, app.window_month):
            wp = Problem(
                AdmissionError.WINDOW_CLOSED,
                gettext("本申请属于 %(window_month)s 受理期，该受理期已结束；请在下一受理期重新申请。")
                % {"window_month": format(app.window_month, gettext("%Y年%m月"))},
                rules.CLAUSE_WINDOW,
            )
        if wp is not None:
            problems.append(wp)
    other = open_application_of(app.partner, exclude_pk=app.pk)
    if other is not None:
        problems.append(
            Problem(
                AdmissionError.OPEN_APPLICATION_EXISTS,
                gettext("已有未结束的准入申请 %(other_number)s，同一合作伙伴同时只能有一个申请。")
                % {"other_number": other.number},
                rules.CLAUSE_WINDOW,
            )
        )
    return problems


def resource_problems(lines: list[Any]) -> list[Problem]:
    """第二章 二、4: every applied business whose 通道配额 / E1 resources are full."""
    return [
        Problem(CatalogError.RESOURCE_POOL_FULL, message, rules.CLAUSE_RESOURCE)
        for message in catalog_queries.full_line_resources(lines)
    ]


def latest_test_results(app: Application) -> dict[tuple[str, str], AccessTestResult]:
    """The latest result per (business-line code, case code)."""
    latest: dict[tuple[str, str], AccessTestResult] = {}
    for row in app.test_results.select_related("business_line").order_by("tested_at", "id"):
        latest[(row.business_line.code, row.case_code)] = row
    return latest


def access_checklist(app: Application) -> list[dict[str, Any]]:
    latest = latest_test_results(app)
    history: dict[tuple[str, str], list[AccessTestResult]] = {}
    rows = app.test_results.select_related("tested_by", "business_line").order_by("-tested_at", "-id")
    for row in rows:
        history.setdefault((row.business_line.code, row.case_code), []).append(row)
    names = {line.code: line.label for line in app.lines()}
    return [
        {
            "business_line": line,
            "business_line_label": names.get(line, line),
            "code": code,
            "title": title,
            "latest": latest.get((line, code)),
            "history": history.get((line, code), []),
        }
        for line, code, title in rules.access_cases_for(list(names))
    ]


def work_orders_of(app: Application, user: Any = None) -> list[Any]:
    """The work orders raised about ``app``; with ``user``, each marked ``can_open`` (may the user
    open its page)."""
    from vasops.workorders import queries as wo_queries

    orders = list(wo_queries.for_object(app))
    return wo_queries.mark_openable(user, orders) if user is not None else orders


def deadlines_of(app: Application) -> QuerySet[Deadline]:
    return Deadline.objects.filter(object_type=audit.object_type_of(app), object_id=str(app.pk)).order_by(
        "created_at", "id"
    )


def open_deadline(app: Application, kind: str = DEADLINE_ACCESS_DATA) -> Deadline | None:
    return deadlines_of(app).filter(kind=kind, state=Deadline.State.OPEN).first()


@dataclass(frozen=True)
class TimelineEntry:
    at: dt.datetime
    kind: str  # audit | deadline | work_order
    title: str
    detail: str = ""
    actor: str = ""


def open_deadline_in(deadlines: list[Deadline], kind: str = DEADLINE_ACCESS_DATA) -> Deadline | None:
    """``open_deadline`` over deadlines already read with ``deadlines_of``."""
    return next((d for d in deadlines if d.kind == kind and d.state == Deadline.State.OPEN), None)


def timeline(
    app: Application, *, work_orders: list[Any] | None = None, deadlines: list[Deadline] | None = None
) -> list[TimelineEntry]:
    """Everything that happened to ``app``: audit history (incl. exam and review milestones
    recorded on the application), deadlines and data-change work orders, oldest first.
    ``work_orders`` / ``deadlines``: already read by the caller (not read twice)."""
    entries: list[TimelineEntry] = []
    for ev in audit.history_of(app):
        entries.append(
            TimelineEntry(
                at=ev.at,
                kind="audit",
                title=vocabulary.event_label(ev.action),
                detail=history.reason_text(ev),
                actor=history.actor_text(ev),
            )
        )
    for d in deadlines if deadlines is not None else deadlines_of(app):
        label = gettext("接入资料提交期限") if d.kind == DEADLINE_ACCESS_DATA else d.kind
        entries.append(
            TimelineEntry(
                at=d.created_at,
                kind="deadline",
                title=gettext("%(label)s：%(due)s 下班前")
                % {"label": label, "due": f"{clock.local_date(d.due_at):%Y-%m-%d}"},
                detail=d.get_state_display(),
            )
        )
    orders = work_orders
    if orders is None:
        try:
            orders = work_orders_of(app)
        except (ImportError, AttributeError):
            orders = []
    for wo in orders:
        entries.append(
            TimelineEntry(
                at=getattr(wo, "created_at", None) or app.created_at,
                kind="work_order",
                title=gettext("数据修改工单 %(number)s：%(title)s")
                % {"number": getattr(wo, "number", wo.pk), "title": getattr(wo, "title", "")},
                detail=_state_label(wo),
            )
        )
    entries.sort(key=lambda e: e.at)
    return entries


def _state_label(obj: Any) -> str:
    display = getattr(obj, "get_state_display", None)
    return str(display() if callable(display) else getattr(obj, "state", ""))


def available_actions(user: Any, app: Application) -> set[str]:
    """Names of the actions ``user`` may take on ``app`` now (drives the detail page buttons)."""
    out: set[str] = set()
    state = app.state
    if is_partner_side(user, app):
        if state in (S.DRAFT, S.RETURNED):
            out |= {"edit", "materials", "products", "check", "submit", "withdraw"}
        if state == S.SUBMITTED:
            out.add("withdraw")
        if state == S.ACCEPTED:
            out.add("access_data")
    if user.has_perm("admission.review_application") and state == S.SUBMITTED:
        out.add("review")
    if user.has_perm("admission.review_application") and state not in rules.PAPER_STATES_EXCLUDED:
        out.add("paper")
    if user.has_perm("admission.decide_application") and state == S.REVIEWED:
        out.add("decide")
    if user.has_perm("admission.manage_preparation"):
        if state == S.PREPARING:
            out |= {"work_orders", "start_testing"}
        if state == S.TESTING:
            out |= {"test_results", "open"}
    if user.has_perm("admission.manage_contract") and state == S.OPENED:
        out.add("contract")
    return out


def staff_to_notify() -> list[Any]:
    user_model = get_user_model()
    return list(user_model.objects.filter(groups__name=roles.PRODUCT_STAFF, is_active=True).distinct())


def partner_users(partner: Any) -> list[Any]:
    return list(partner_queries.partner_users(partner))
