"""Work orders: a typed request moving through stages with working-day SLAs."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from vasops.core.fields import ClockDateTimeField
from vasops.workorders import rules
from vasops.workorders.rules import VAS_SYSTEMS

__all__ = ["VAS_SYSTEMS", "Attachment", "Comment", "WorkOrder", "WorkOrderStage"]


class WorkOrder(FSMModelMixin, models.Model):
    class Type(models.TextChoices):
        DATA_CHANGE = rules.DATA_CHANGE, _("数据变更")
        APP_UPGRADE = rules.APP_UPGRADE, _("应用软件升级")
        OM_DATA_QUERY = rules.OM_DATA_QUERY, _("运维数据查询")
        OM_COMPLAINT = rules.OM_COMPLAINT, _("运维投诉")
        CS_COMPLAINT = rules.CS_COMPLAINT, _("客户投诉")

    class Priority(models.TextChoices):
        NORMAL = rules.NORMAL, _("普通")
        EMERGENCY = rules.EMERGENCY, _("紧急")

    class State(models.TextChoices):
        OPEN = rules.OPEN, _("待处理")
        IN_PROGRESS = rules.IN_PROGRESS, _("处理中")
        RESOLVED = rules.RESOLVED, _("已解决")
        CLOSED = rules.CLOSED, _("已关闭")

    number = models.CharField(_("工单号"), max_length=20, unique=True)
    type = models.CharField(_("类型"), max_length=20, choices=Type.choices, db_index=True)
    priority = models.CharField(_("优先级"), max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    title = models.CharField(_("标题"), max_length=200)
    description = models.TextField(_("描述"), blank=True)
    partner = models.ForeignKey(
        "partners.Partner",
        verbose_name=_("合作伙伴"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="work_orders",
    )
    system = models.CharField(_("系统"), max_length=20, choices=VAS_SYSTEMS, blank=True)
    needs_network_company = models.BooleanField(
        _("需总部网络公司运行维护部处理"),
        default=False,
        help_text=_("应用软件归属总部网络公司运行维护部或需其配合执行时勾选；否则审批后直接实施"),
    )
    # an emergency order: the requesting unit head's approval before submission
    head_approver = models.CharField(_("申请单位审批负责人"), max_length=50, blank=True)
    head_approved_on = models.DateField(_("负责人审批日期"), null=True, blank=True)
    # the application-software upgrade plan (申请单内容要求)
    planned_at = models.DateTimeField(_("计划操作时间"), null=True, blank=True)
    impact_scope = models.TextField(_("业务影响范围"), blank=True)
    operators = models.TextField(_("操作人员组织"), blank=True)
    technical_plan = models.TextField(_("技术方案"), blank=True)
    implementation_steps = models.TextField(_("实施步骤"), blank=True)
    test_plan = models.TextField(_("测试方案"), blank=True)
    rollback_plan = models.TextField(_("回退预案"), blank=True)
    object_type = models.CharField(_("关联对象类型"), max_length=80, blank=True)
    object_id = models.CharField(_("关联对象"), max_length=64, blank=True)
    object_url = models.CharField(_("关联对象链接"), max_length=300, blank=True)
    object_label = models.CharField(_("关联对象名称"), max_length=200, blank=True)
    state = FSMField(_("状态"), max_length=20, choices=State.choices, default=State.OPEN, protected=True)
    stage_index = models.PositiveSmallIntegerField(_("当前环节序号"), default=0)
    due_at = models.DateTimeField(_("当前环节时限"), null=True, blank=True, db_index=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("处理人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_work_orders",
    )
    group = models.CharField(_("处理组"), max_length=40, blank=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发起人"), on_delete=models.PROTECT, related_name="+"
    )
    overdue = models.BooleanField(_("已超期"), default=False)
    escalated_at = models.DateTimeField(_("升级时间"), null=True, blank=True)
    result = models.TextField(_("处理结果"), blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = ClockDateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = ClockDateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("工单")
        verbose_name_plural = _("工单")
        ordering = ["-created_at", "-id"]
        permissions = [
            ("manage_workorder", "发起/指派/关闭工单"),
            ("handle_workorder", "处理工单"),
            ("view_all_workorders", "查看全部工单"),
        ]
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            models.Index(fields=["state", "due_at"]),
            # default ordering (newest first: portal list, "all" exports) and the "mine" tab
            models.Index(fields=["-created_at", "-id"], name="workorders_created_desc"),
            models.Index(fields=["assignee", "state", "due_at"], name="workorders_assignee_state_due"),
            # the overdue count (console home, overdue tab): state IN active AND (overdue OR due_at < now)
            # becomes a BitmapOr of these two small partial indexes instead of a scan of open orders
            models.Index(
                fields=["due_at"],
                name="workorders_active_due",
                condition=models.Q(state__in=["open", "in_progress"]),
            ),
            models.Index(
                fields=["id"],
                name="workorders_active_flagged",
                condition=models.Q(state__in=["open", "in_progress"], overdue=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("workorders:detail", args=[self.pk])

    @property
    def plan(self) -> list[rules.StageSpec]:
        return rules.stage_plan(self.type, self.priority, needs_network=self.needs_network_company)

    @property
    def current_stage(self) -> rules.StageSpec | None:
        plan = self.plan
        return plan[self.stage_index] if self.is_active and self.stage_index < len(plan) else None

    def plan_parts(self) -> list[tuple[str, object]]:
        """(label, value) of the upgrade plan's parts that are filled in."""
        return [(label, getattr(self, key)) for key, label in rules.PLAN_FIELDS if getattr(self, key)]

    @property
    def is_active(self) -> bool:
        return self.state in rules.ACTIVE_STATES

    @property
    def system_label(self) -> str:
        return rules.SYSTEM_LABELS.get(self.system, self.system)

    # --- transitions (only through actions.py / core.fsm.transition) ----------------------
    @transition(field=state, source=State.OPEN, target=State.IN_PROGRESS)
    def start(self) -> None: ...

    @transition(field=state, source=[State.OPEN, State.IN_PROGRESS], target=State.RESOLVED)
    def resolve(self) -> None: ...

    @transition(field=state, source=[State.OPEN, State.IN_PROGRESS, State.RESOLVED], target=State.CLOSED)
    def close(self) -> None: ...

    @transition(field=state, source=[State.RESOLVED, State.CLOSED], target=State.IN_PROGRESS)
    def reopen(self) -> None: ...


class WorkOrderStage(models.Model):
    """One row per stage a work order went through (a reopen adds a new row)."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="stages")
    index = models.PositiveSmallIntegerField(_("序号"))
    stage = models.CharField(_("环节"), max_length=20)
    label = models.CharField(_("环节名称"), max_length=40)
    working_days = models.PositiveSmallIntegerField(_("时限（工作日）"))
    group = models.CharField(_("处理组"), max_length=40, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField(_("开始"))
    due_at = models.DateTimeField(_("时限"))
    finished_at = models.DateTimeField(_("完成"), null=True, blank=True)
    on_time = models.BooleanField(_("按时"), null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("工单环节")
        verbose_name_plural = _("工单环节")
        ordering = ["work_order", "started_at", "id"]

    def __str__(self) -> str:
        return f"{self.work_order_id}:{self.label}"


class Comment(models.Model):
    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("内容"))
    created_at = ClockDateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("工单留言")
        verbose_name_plural = _("工单留言")
        ordering = ["created_at", "id"]


class Attachment(models.Model):
    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="attachments")
    comment = models.ForeignKey(
        Comment, null=True, blank=True, on_delete=models.SET_NULL, related_name="attachments"
    )
    document = models.ForeignKey("core.Document", on_delete=models.PROTECT, related_name="+")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = ClockDateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("工单附件")
        verbose_name_plural = _("工单附件")
        ordering = ["added_at", "id"]
