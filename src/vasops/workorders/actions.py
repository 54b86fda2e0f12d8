"""The only code that changes work orders. Every action is atomic, permission-checked,
audited and notifies the people who must act next."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from vasops.core import audit, calendar, clock, documents, fsm, notify
from vasops.core.errors import CoreError, DomainError, NotFound, PermissionDenied, required_text
from vasops.core.marks import gettext_noop
from vasops.core.numbering import next_number
from vasops.core.permissions import has
from vasops.partners.queries import partner_of, partner_users
from vasops.workorders import queries, rules
from vasops.workorders.errors import WorkOrderError
from vasops.workorders.events import WorkOrderEvent
from vasops.workorders.models import Attachment, Comment, WorkOrder, WorkOrderStage
from vasops.workorders.permissions import HANDLE, MANAGE


def _syncs_caller(fn: Callable[..., WorkOrder]) -> Callable[..., WorkOrder]:
    """Actions lock and reload the row; bring the caller's instance up to date afterwards."""

    @functools.wraps(fn)
    def wrapper(wo: WorkOrder, *args: Any, **kwargs: Any) -> WorkOrder:
        result = fn(wo, *args, **kwargs)
        if result is not wo:
            wo.refresh_from_db()
        return result

    return wrapper


AUDIT_FIELDS = ["state", "stage_index", "due_at", "assignee_id", "group", "result", "overdue", "escalated_at"]


# --- helpers ------------------------------------------------------------------------------
def _snap(wo: WorkOrder) -> dict[str, Any]:
    return audit.snapshot(wo, AUDIT_FIELDS)


def _authenticated(actor: Any) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(gettext("请先登录。"))


def _is_own_partner(actor: Any, wo: WorkOrder) -> bool:
    partner = partner_of(actor)
    return bool(partner is not None and wo.partner_id == partner.pk)


def _require_visible(actor: Any, wo: WorkOrder) -> None:
    """Someone who cannot see the work order gets 'not found', not 'forbidden'."""
    _authenticated(actor)
    if not queries.visible_to(actor).filter(pk=wo.pk).exists():
        raise NotFound()


def _not_linked(wo: WorkOrder) -> None:
    """A work order that follows another app's object (a customer complaint) is moved by that
    app's acts only (``follow_linked``)."""
    if wo.type in rules.LINKED_TYPES:
        raise DomainError(
            WorkOrderError.FOLLOWS_ITS_SOURCE,
            gettext("“%(type)s”工单随关联对象办理，请在关联对象页面操作。")
            % {"type": rules.TYPE_LABELS[wo.type]},
            status=409,
        )


def _require(actor: Any, perm: str, wo: WorkOrder) -> None:
    _require_visible(actor, wo)
    _not_linked(wo)
    if not has(actor, perm):
        raise PermissionDenied(gettext("您没有执行此工单操作的权限。"), perms=[perm])


def _url(wo: WorkOrder) -> str:
    return wo.get_absolute_url()


def _stage_due(start: dt.datetime, working_days: int) -> dt.datetime:
    return calendar.deadline_after(clock.local_date(start), working_days)


def _begin_stage(wo: WorkOrder, index: int, *, now: dt.datetime, note: str = "") -> WorkOrderStage:
    spec = wo.plan[index]
    due = _stage_due(now, spec.working_days)
    wo.stage_index = index
    wo.due_at = due
    wo.group = spec.group
    wo.overdue = False
    return WorkOrderStage.objects.create(
        work_order=wo,
        index=index,
        stage=spec.code,
        label=spec.label,
        working_days=spec.working_days,
        group=spec.group,
        assignee=wo.assignee,
        started_at=now,
        due_at=due,
        note=note,
    )


def _open_stage(wo: WorkOrder) -> WorkOrderStage | None:
    return wo.stages.filter(finished_at__isnull=True).order_by("-started_at", "-id").first()


def _finish_stage(wo: WorkOrder, *, now: dt.datetime, note: str = "") -> WorkOrderStage | None:
    st = _open_stage(wo)
    if st is None:
        return None
    st.finished_at = now
    st.on_time = not rules.is_overdue(st.due_at, now)
    if note:
        st.note = (st.note + "\n" + note).strip()
    st.save(update_fields=["finished_at", "on_time", "note"])
    return st


def _stage_recipients(wo: WorkOrder) -> list[Any]:
    if wo.assignee_id:
        return [wo.assignee]
    return list(queries.group_users(wo.group)) if wo.group else []


def _partner_recipients(wo: WorkOrder) -> list[Any]:
    return list(partner_users(wo.partner)) if wo.partner is not None else []


def _check_assignee(assignee: Any) -> None:
    if assignee is None:
        return
    if not getattr(assignee, "is_active", False) or not assignee.has_perm(HANDLE):
        raise DomainError(
            WorkOrderError.ASSIGNEE_NOT_HANDLER,
            gettext("“%(assignee)s”不是可处理工单的人员。") % {"assignee": assignee},
            field="assignee",
            status=400,
        )


# --- open ---------------------------------------------------------------------------------
@transaction.atomic  # nested: see the docstring
def open_work_order(
    *,
    actor: Any,
    type: str,
    title: str,
    description: str = "",
    partner: Any = None,
    system: str = "",
    related: models.Model | None = None,
    assignee: Any = None,
    priority: str = "normal",
    needs_network_company: bool = False,
    head_approver: str = "",
    head_approved_on: dt.date | None = None,
    plan: dict[str, Any] | None = None,
) -> WorkOrder:
    """Raise a work order. An O&M order goes to the network company (运行维护部) only when it says
    it needs it (``needs_network_company``); an emergency one carries the requesting unit head's
    approval (``head_approver``, ``head_approved_on``, before submission); an application-software
    upgrade carries its plan (``plan``: the parts of ``rules.PLAN_FIELDS``).
    Staff holding manage_workorder may raise any type; a partner user may
    raise the partner types (upgrade, O&M data query, O&M complaint) for their own partner only.
    Also raised inside catalog's and admission's acts (data-change orders), so a plain, not
    durable, atomic."""
    _authenticated(actor)
    if type not in rules.TYPE_LABELS:
        raise DomainError(
            WorkOrderError.UNKNOWN_TYPE, gettext("未知的工单类型“%(type)s”。") % {"type": type}, field="type"
        )
    if type in rules.LINKED_TYPES and related is None:
        raise DomainError(
            WorkOrderError.FOLLOWS_ITS_SOURCE,
            gettext("“%(type)s”工单由关联对象（如客户投诉派单）生成，不能单独发起。")
            % {"type": rules.TYPE_LABELS[type]},
            field="type",
        )
    if priority not in rules.PRIORITY_LABELS:
        raise DomainError(
            WorkOrderError.UNKNOWN_PRIORITY,
            gettext("未知的优先级“%(priority)s”。") % {"priority": priority},
            field="priority",
        )
    own_partner = partner_of(actor)
    if has(actor, MANAGE):
        pass
    elif own_partner is not None:
        if type not in rules.PARTNER_TYPES:
            raise DomainError(
                WorkOrderError.TYPE_NOT_FOR_PARTNER,
                gettext("合作伙伴不能发起“%(type)s”工单，可发起：应用软件升级、运维数据查询、运维投诉。")
                % {"type": rules.TYPE_LABELS[type]},
                status=403,
                field="type",
            )
        if partner is not None and partner.pk != own_partner.pk:
            raise DomainError(
                WorkOrderError.OTHER_PARTNER, gettext("只能为本企业发起工单。"), status=403, field="partner"
            )
        if assignee is not None:
            raise PermissionDenied(gettext("合作伙伴不能指定处理人。"), field="assignee")
        partner = own_partner
    else:
        raise PermissionDenied(gettext("您没有发起工单的权限。"))
    title = (title or "").strip()
    if not title:
        raise DomainError(WorkOrderError.TITLE_REQUIRED, gettext("请填写工单标题。"), field="title")
    if system and system not in rules.SYSTEM_LABELS:
        raise DomainError(
            WorkOrderError.UNKNOWN_SYSTEM,
            gettext("未知的系统“%(system)s”。") % {"system": system},
            field="system",
        )
    if type in rules.SYSTEM_REQUIRED_TYPES and not system:
        raise DomainError(
            WorkOrderError.SYSTEM_REQUIRED,
            gettext("数据变更工单须指明目标系统（每个增值业务系统及信息化部各发一张）。"),
            field="system",
            clause=rules.CLAUSE_DATA_CHANGE,
        )
    _check_assignee(assignee)
    values = {key: (plan or {}).get(key) for key, _label in rules.PLAN_FIELDS}
    values = {k: v.strip() if isinstance(v, str) else v for k, v in values.items()}
    missing = rules.missing_plan_parts(type, values)
    if missing:
        first = next(k for k, label in rules.PLAN_FIELDS if label == missing[0])
        raise DomainError(
            WorkOrderError.PLAN_INCOMPLETE,
            gettext("应用软件升级工单的方案须包括：%(missing)s。") % {"missing": "、".join(missing)},
            field=first,
            clause=rules.CLAUSE_PLAN,
        )
    head_approver = (head_approver or "").strip()
    problem = rules.head_approval_problem(priority, type, head_approver, head_approved_on, clock.today())
    if problem:
        raise DomainError(
            WorkOrderError.HEAD_APPROVAL_REQUIRED,
            problem,
            field="head_approver" if not head_approver else "head_approved_on",
            clause=rules.CLAUSE_EMERGENCY,
        )

    now = clock.now()
    wo = WorkOrder(
        number=next_number(f"GD{clock.today():%Y%m}-"),
        type=type,
        priority=priority,
        title=title[:200],
        description=description or "",
        partner=partner,
        system=system or "",
        assignee=assignee,
        created_by=actor,
        needs_network_company=bool(needs_network_company) and type != rules.DATA_CHANGE,
        head_approver=head_approver if priority == rules.EMERGENCY else "",
        head_approved_on=head_approved_on if priority == rules.EMERGENCY else None,
        **{k: (v if v is not None else "") for k, v in values.items() if k != "planned_at"},
        planned_at=values["planned_at"] or None,
    )
    if related is not None:
        wo.object_type = audit.object_type_of(related)
        wo.object_id = str(related.pk)
        get_url = getattr(related, "get_absolute_url", None)
        wo.object_url = str(get_url())[:300] if callable(get_url) else ""
        wo.object_label = str(related)[:200]
    wo.save()
    _begin_stage(wo, 0, now=now)
    wo.save()
    audit.record(
        actor=actor,
        action=WorkOrderEvent.WORK_ORDER_OPENED,
        obj=wo,
        partner_id=wo.partner_id,
        after={
            **_snap(wo),
            "number": wo.number,
            "type": wo.type,
            "priority": wo.priority,
            "title": wo.title,
            **audit.snapshot(
                wo, ["needs_network_company", "head_approver", "head_approved_on", "planned_at"]
            ),
        },
    )
    stage = wo.plan[0]
    notify.send(
        _stage_recipients(wo),
        subject=notify.text(gettext_noop("新工单 %(number)s：%(title)s"), number=wo.number, title=wo.title),
        body=notify.text(
            gettext_noop("%(type)s（%(priority)s），当前环节“%(stage_label)s”，时限 %(localtime)s。"),
            type=rules.TYPE_LABELS[wo.type],
            priority=rules.PRIORITY_LABELS[wo.priority],
            stage_label=stage.label,
            localtime=format(timezone.localtime(wo.due_at), "%Y-%m-%d %H:%M"),
        ),
        url=_url(wo),
    )
    return wo


# --- handling -----------------------------------------------------------------------------
@_syncs_caller
@transaction.atomic(durable=True)
def assign(wo: WorkOrder, *, actor: Any, assignee: Any, note: str = "") -> WorkOrder:
    """Hand the work order over to ``assignee`` (a handler)."""
    wo = _locked(wo)
    if actor is not None and assignee is not None and actor.pk == assignee.pk:
        _require(actor, HANDLE, wo)  # taking it oneself
    else:
        _require(actor, MANAGE, wo)
    if not wo.is_active:
        raise DomainError(
            CoreError.INVALID_TRANSITION, gettext("已解决或已关闭的工单不能再指派。"), status=409
        )
    if assignee is None:
        raise DomainError(WorkOrderError.ASSIGNEE_NOT_HANDLER, gettext("请选择处理人。"), field="assignee")
    _check_assignee(assignee)
    before = _snap(wo)
    wo.assignee = assignee
    wo.save()
    st = _open_stage(wo)
    if st is not None:
        st.assignee = assignee
        st.save(update_fields=["assignee"])
    audit.record(
        actor=actor,
        action=WorkOrderEvent.WORK_ORDER_ASSIGNED,
        obj=wo,
        partner_id=wo.partner_id,
        before=before,
        after=_snap(wo),
        reason=note,
    )
    notify.send(
        [assignee],
        subject=notify.text(gettext_noop("工单 %(number)s 已指派给您"), number=wo.number),
        body=(note or wo.title),
        url=_url(wo),
    )
    return wo


@_syncs_caller
@transaction.atomic(durable=True)
def start(wo: WorkOrder, *, actor: Any) -> WorkOrder:
    """The handler accepts the work order (open → in progress); unassigned, it becomes theirs."""
    wo = _locked(wo)
    _require(actor, HANDLE, wo)
    before = _snap(wo)
    fsm.transition(wo, "start", label=gettext("开始处理"))
    if wo.assignee_id is None:
        wo.assignee = actor
        st = _open_stage(wo)
        if st is not None:
            st.assignee = actor
            st.save(update_fields=["assignee"])
    wo.save()
    audit.record(
        actor=actor,
        action=WorkOrderEvent.WORK_ORDER_STARTED,
        obj=wo,
        partner_id=wo.partner_id,
        before=before,
        after=_snap(wo),
    )
    notify.send(
        _partner_recipients(wo) + ([wo.created_by] if wo.created_by_id != actor.pk else []),
        subject=notify.text(gettext_noop("工单 %(number)s 已开始处理"), number=wo.number),
        url=_url(wo),
    )
    return wo


@_syncs_caller
@transaction.atomic(durable=True)
def advance_stage(wo: WorkOrder, *, actor: Any, note: str = "") -> WorkOrder:
    """Finish the current stage; the next one starts with its own SLA. After the last stage the
    work order is resolved (``note`` becomes the result)."""
    wo = _locked(wo)
    _require(actor, HANDLE, wo)
    if not wo.is_active:
        raise DomainError(
            CoreError.INVALID_TRANSITION,
            gettext("当前状态“%(state)s”下不能完成环节。") % {"state": wo.get_state_display()},
            status=409,
        )
    before = _snap(wo)
    if wo.state == rules.OPEN:
        fsm.transition(wo, "start", label=gettext("开始处理"))
    now = clock.now()
    finished = _finish_stage(wo, now=now, note=note)
    nxt = wo.stage_index + 1
    if nxt >= len(wo.plan):
        return _do_resolve(
            wo,
            actor=actor,
            result=note or (finished.label + "完成" if finished else "已完成"),
            before=before,
            now=now,
        )
    previous_group = wo.group
    _begin_stage_for_handover(wo, nxt, now=now, previous_group=previous_group)
    wo.save()
    audit.record(
        actor=actor,
        action=WorkOrderEvent.WORK_ORDER_ADVANCED,
        obj=wo,
        partner_id=wo.partner_id,
        before=before,
        after=_snap(wo),
        reason=note,
    )
    spec = wo.plan[nxt]
    notify.send(
        _stage_recipients(wo),
        subject=notify.text(
            gettext_noop("工单 %(number)s 进入“%(spec_label)s”环节"), number=wo.number, spec_label=spec.label
        ),
        body=notify.text(
            gettext_noop("时限 %(localtime)s（%(working_days)s 个工作日）。%(note)s"),
            localtime=format(timezone.localtime(wo.due_at), "%Y-%m-%d %H:%M"),
            working_days=spec.working_days,
            note=note,
        ),
        url=_url(wo),
    )
    return wo


def _begin_stage_for_handover(wo: WorkOrder, index: int, *, now: dt.datetime, previous_group: str) -> None:
    if wo.plan[index].group != previous_group:
        wo.assignee = None  # a new group picks it up
    _begin_stage(wo, index, now=now)


def _do_resolve(
    wo: WorkOrder, *, actor: Any, result: str, before: dict[str, Any], now: dt.datetime
) -> WorkOrder:
    fsm.transition(wo, "resolve", label=gettext("解决"))
    _finish_stage(wo, now=now)
    wo.result = result
    wo.resolved_at = now
    wo.overdue = False
    wo.save()
    audit.record(
        actor=actor,
        action=WorkOrderEvent.WORK_ORDER_RESOLVED,
        obj=wo,
        partner_id=wo.partner_id,
        before=before,
        after=_snap(wo),
        reason=result,
    )
    notify.send(
        [*_partner_recipients(wo), wo.created_by],
        subject=notify.text(gettext_noop("工单 %(number)s 已解决"), number=wo.number),
        body=result,
        url=_url(wo),
    )
    return wo


@_syncs_caller
@transaction.atomic(durable=True)
def resolve(wo: WorkOrder, *, actor: Any, result: str) -> WorkOrder:
    """Resolve directly with a result (finishes the current stage)."""
    wo = _locked(wo)
    _require(actor, HANDLE, wo)
    result = required_text(
        result, WorkOrderError.RESULT_REQUIRED, gettext("请填写处理结果。"), field="result"
    )
    return _do_resolve(wo, actor=actor, result=result, before=_snap(wo), now=clock.now())


@_syncs_caller
@transaction.atomic(durable=True)
def close(wo: WorkOrder, *, actor: Any, result: str = "") -> WorkOrder:
    """Close: staff with manage_workorder at any time (a reason is needed if not resolved); the
    partner confirms its own resolved work order."""
    wo = _locked(wo)
    _require_visible(actor, wo)
    _not_linked(wo)
    result = (result or "").strip()
    if has(actor, MANAGE) or (_is_own_partner(actor, wo) and wo.state == rules.RESOLVED):
        pass
    else:
        raise PermissionDenied(gettext("您没有关闭此工单的权限。"))
    if wo.state != rules.RESOLVED and not result:
        raise DomainError(
            WorkOrderError.RESULT_REQUIRED, gettext("未解决的工单关闭时请说明原因。"), field="result"
        )
    before = _snap(wo)
    now = clock.now()
    fsm.transition(wo, "close", label=gettext("关闭"))
    _finish_stage(wo, now=now)
    if result:
        wo.result = result if not wo.result else f"{wo.result}\n{result}"
    wo.closed_at = now
    wo.overdue = False
    wo.save()
    audit.record(
        actor=actor,
        action=WorkOrderEvent.WORK_ORDER_CLOSED,
        obj=wo,
        partner_id=wo.partner_id,
        before=before,
        after=_snap(wo),
        reason=result,
    )
    notify.send(
        [u for u in [wo.assignee, wo.created_by] if u is not None and u.pk != actor.pk],
        subject=notify.text(gettext_noop("工单 %(number)s 已关闭"), number=wo.number),
        body=result,
        url=_url(wo),
    )
    return wo


@_syncs_caller
@transaction.atomic(durable=True)
def reopen(wo: WorkOrder, *, actor: Any, reason: str) -> WorkOrder:
    """Back to in progress at the last stage with a fresh SLA (staff, or the partner that owns
    it when it is not solved)."""
    wo = _locked(wo)
    _require_visible(actor, wo)
    _not_linked(wo)
    if not (has(actor, MANAGE) or _is_own_partner(actor, wo)):
        raise PermissionDenied(gettext("您没有重开此工单的权限。"))
    reason = required_text(reason, WorkOrderError.REASON_REQUIRED, gettext("请说明重开原因。"))
    before = _snap(wo)
    fsm.transition(wo, "reopen", label=gettext("重开"))
    now = clock.now()
    wo.resolved_at = None
    wo.closed_at = None
    _begin_stage(wo, len(wo.plan) - 1, now=now, note=f"重开：{reason}")
    wo.save()
    audit.record(
        actor=actor,
        action=WorkOrderEvent.WORK_ORDER_REOPENED,
        obj=wo,
        partner_id=wo.partner_id,
        before=before,
        after=_snap(wo),
        reason=reason,
    )
    notify.send(
        _stage_recipients(wo),
        subject=notify.text(gettext_noop("工单 %(number)s 已重开"), number=wo.number),
        body=reason,
        url=_url(wo),
    )
    return wo


@transaction.atomic(durable=True)
def comment(wo: WorkOrder, *, actor: Any, text: str, upload: Any = None) -> Comment:
    """A comment (optionally with one attachment) by anyone who can see the work order; partner
    users only on their own partner's."""
    _require_visible(actor, wo)
    if not (
        has(actor, HANDLE) or has(actor, MANAGE) or _is_own_partner(actor, wo) or wo.created_by_id == actor.pk
    ):
        raise PermissionDenied(gettext("您没有在此工单留言的权限。"))
    text = required_text(text, WorkOrderError.TEXT_REQUIRED, gettext("请填写留言内容。"), field="text")
    row = Comment.objects.create(work_order=wo, author=actor, text=text)
    after: dict[str, Any] = {"comment": row.pk, "text": text[:500]}
    if upload is not None:
        doc = documents.store(upload, actor=actor, partner_id=wo.partner_id, kind="workorder", field="upload")
        Attachment.objects.create(work_order=wo, comment=row, document=doc, added_by=actor)
        after["document"] = str(doc.uuid)
        after["file"] = doc.original_name
    audit.record(
        actor=actor, action=WorkOrderEvent.COMMENT_ADDED, obj=wo, partner_id=wo.partner_id, after=after
    )
    recipients = [wo.assignee, wo.created_by, *_partner_recipients(wo)]
    notify.send(
        [u for u in recipients if u is not None and u.pk != actor.pk],
        subject=notify.text(gettext_noop("工单 %(number)s 有新留言"), number=wo.number),
        body=text[:500],
        url=_url(wo),
    )
    return row


@transaction.atomic  # nested: see the docstring
def follow_linked(wo: WorkOrder, *, actor: Any, target: str, note: str = "") -> WorkOrder:
    """Move a linked work order (``rules.LINKED_TYPES``) to follow its source object: ``resolved``
    (the partner answered), ``closed`` (the source was closed) or ``in_progress`` (reopened, with
    a fresh stage). Runs inside the source app's act (the complaint's answer, close and reopen),
    which has checked its own permission, so a plain ``atomic``. Moving to the state it is
    already in changes nothing."""
    wo = _locked(wo)
    if wo.type not in rules.LINKED_TYPES:
        raise DomainError(
            WorkOrderError.UNKNOWN_TYPE, gettext("只有关联工单可随关联对象办理。"), field="type"
        )
    if wo.state == target:
        return wo
    before = _snap(wo)
    now = clock.now()
    if target == rules.RESOLVED:
        fsm.transition(wo, "resolve", label=gettext("解决"))
        _finish_stage(wo, now=now, note=note)
        wo.result = note
        wo.resolved_at = now
        event = WorkOrderEvent.WORK_ORDER_RESOLVED
    elif target == rules.CLOSED:
        fsm.transition(wo, "close", label=gettext("关闭"))
        _finish_stage(wo, now=now)
        if note:
            wo.result = note if not wo.result else f"{wo.result}\n{note}"
        wo.closed_at = now
        event = WorkOrderEvent.WORK_ORDER_CLOSED
    elif target == rules.IN_PROGRESS:
        fsm.transition(wo, "reopen", label=gettext("重开"))
        wo.resolved_at = None
        wo.closed_at = None
        _begin_stage(wo, len(wo.plan) - 1, now=now, note=f"重开：{note}" if note else "重开")
        event = WorkOrderEvent.WORK_ORDER_REOPENED
    else:
        raise DomainError(
            CoreError.INVALID_TRANSITION,
            gettext("不能将工单转为“%(target)s”。") % {"target": target},
            status=409,
        )
    wo.overdue = False
    wo.save()
    audit.record(
        actor=actor,
        action=event,
        obj=wo,
        partner_id=wo.partner_id,
        before=before,
        after=_snap(wo),
        reason=note,
    )
    return wo


def _locked(wo: WorkOrder) -> WorkOrder:
    return (
        WorkOrder.objects.select_for_update(of=("self",))
        .select_related("partner", "assignee", "created_by")
        .get(pk=wo.pk)
    )


# --- for the sweep ----------------------------------------------------------------------------
@transaction.atomic(durable=True)
def sweep_one(wo_id: int, *, now: dt.datetime, heads: list[Any]) -> dict[str, int]:
    """Mark overdue, remind once, escalate once. Idempotent; called by tasks.sweep_work_orders."""
    counts = {"overdue": 0, "reminded": 0, "escalated": 0}
    wo = WorkOrder.objects.select_for_update(of=("self",)).select_related("assignee").filter(pk=wo_id).first()
    if wo is None or not wo.is_active:
        return counts
    st = _open_stage(wo)
    if st is None:
        return counts
    overdue = rules.is_overdue(st.due_at, now)
    remaining = calendar.working_days_between(clock.local_date(now), clock.local_date(st.due_at))
    if overdue and not wo.overdue:
        before = _snap(wo)
        wo.overdue = True
        wo.save(update_fields=["overdue", "updated_at"])
        audit.record(
            actor="system",
            action=WorkOrderEvent.DEADLINE_MISSED,
            obj=wo,
            partner_id=wo.partner_id,
            before=before,
            after=_snap(wo),
        )
        counts["overdue"] = 1
    if rules.should_remind(remaining, overdue=overdue, already_reminded=st.reminded_at is not None):
        st.reminded_at = now
        st.save(update_fields=["reminded_at"])
        notify.send(
            _stage_recipients(wo),
            subject=notify.text(gettext_noop("工单 %(number)s 即将到期"), number=wo.number),
            body=notify.text(
                gettext_noop("“%(label)s”环节时限 %(localtime)s。"),
                label=st.label,
                localtime=format(timezone.localtime(st.due_at), "%Y-%m-%d %H:%M"),
            ),
            url=_url(wo),
        )
        counts["reminded"] = 1
    if rules.should_escalate(overdue=overdue, already_escalated=st.escalated_at is not None):
        before = _snap(wo)
        st.escalated_at = now
        st.save(update_fields=["escalated_at"])
        wo.escalated_at = now
        wo.save(update_fields=["escalated_at", "updated_at"])
        audit.record(
            actor="system",
            action=WorkOrderEvent.WORK_ORDER_ESCALATED,
            obj=wo,
            partner_id=wo.partner_id,
            before=before,
            after=_snap(wo),
            reason=notify.text(
                gettext_noop("“%(label)s”环节超期（时限 %(due)s）"),
                label=st.label,
                due=f"{timezone.localtime(st.due_at):%Y-%m-%d %H:%M}",
            ),
        )
        notify.send(
            heads,
            subject=notify.text(
                gettext_noop("工单超期升级：%(number)s %(title)s"), number=wo.number, title=wo.title
            ),
            body=notify.text(
                gettext_noop("“%(label)s”环节已超过时限 %(localtime)s，处理人：%(assignee)s。"),
                label=st.label,
                localtime=format(timezone.localtime(st.due_at), "%Y-%m-%d %H:%M"),
                assignee=wo.assignee or gettext_lazy("未指派"),
            ),
            url=_url(wo),
        )
        counts["escalated"] = 1
    return counts
