"""Customer complaints 客户投诉 and the refunds paid to users, charged back to partners."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from vasops.complaints import rules
from vasops.core.fields import ClockDateTimeField


class Complaint(FSMModelMixin, models.Model):
    class Source(models.TextChoices):
        CONSOLE = "console", _("客服坐席受理")
        API = "api", _("客服系统接口")
        PUBLIC = "public", _("用户在线提交")

    class Category(models.TextChoices):
        UNAUTHORISED_ORDER = rules.UNAUTHORISED_ORDER, _("未经同意订购")
        CHARGE_DISPUTE = rules.CHARGE_DISPUTE, _("扣费争议")
        CONTENT = rules.CONTENT, _("内容问题")
        CANNOT_UNSUBSCRIBE = rules.CANNOT_UNSUBSCRIBE, _("无法退订")
        OTHER = rules.OTHER, _("其他")

    class State(models.TextChoices):
        RECEIVED = rules.RECEIVED, _("已受理待派单")
        DISPATCHED = rules.DISPATCHED, _("待合作伙伴答复")
        ANSWERED = rules.ANSWERED, _("待客服回复用户")
        CLOSED = rules.CLOSED, _("已办结")

    class Verdict(models.TextChoices):
        NONE = "", _("未认定")
        UPHELD = "upheld", _("投诉成立")
        NOT_UPHELD = "not_upheld", _("投诉不成立")

    number = models.CharField(_("投诉单号"), max_length=20, unique=True)
    source = models.CharField(_("受理渠道"), max_length=10, choices=Source.choices)
    external_id = models.CharField(_("客服系统投诉编号"), max_length=64, blank=True, default="")
    msisdn = models.CharField(_("手机号码"), max_length=20, db_index=True)
    product = models.ForeignKey(
        "catalog.Product",
        verbose_name=_("产品"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
    )
    partner = models.ForeignKey(
        "partners.Partner",
        verbose_name=_("合作伙伴"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
    )
    category = models.CharField(_("投诉类别"), max_length=24, choices=Category.choices)
    description = models.TextField(_("投诉内容"))
    contact = models.CharField(_("联系电话"), max_length=20, blank=True, default="")
    state = FSMField(_("状态"), max_length=12, choices=State.choices, default=State.RECEIVED, protected=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("首问负责人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_complaints",
    )
    work_order = models.ForeignKey(
        "workorders.WorkOrder",
        verbose_name=_("工单"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    dispatched_at = models.DateTimeField(_("派单时间"), null=True, blank=True)
    answer_due_at = models.DateTimeField(_("答复时限"), null=True, blank=True)
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    close_due_at = models.DateTimeField(_("办结时限"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    answer_escalated_at = models.DateTimeField(_("答复超时升级"), null=True, blank=True)
    close_escalated_at = models.DateTimeField(_("办结超时升级"), null=True, blank=True)
    partner_answer = models.TextField(_("合作伙伴答复"), blank=True, default="")
    reply = models.TextField(_("回复用户"), blank=True, default="")
    verdict = models.CharField(_("认定"), max_length=12, choices=Verdict.choices, blank=True, default="")
    reopen_count = models.PositiveIntegerField(_("重复投诉次数"), default=0)
    repeat_of = models.ForeignKey(
        "self",
        verbose_name=_("重复投诉自"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="repeats",
    )
    violation_ref = models.CharField(_("违约记录"), max_length=80, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = ClockDateTimeField(_("受理时间"), auto_now_add=True)
    updated_at = ClockDateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("客户投诉")
        verbose_name_plural = _("客户投诉")
        ordering = ["-created_at", "-id"]
        permissions = [
            ("handle_complaint", "受理、派单、回复和办结客户投诉"),
            ("refund_complaint", "投诉退费"),
            ("view_complaint_report", "查看投诉报表"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~models.Q(external_id=""),
                name="complaints_one_per_external_id",
            )
        ]
        indexes = [
            models.Index(fields=["state", "answer_due_at"], name="complaints_state_answer_due"),
            models.Index(fields=["partner", "state"], name="complaints_partner_state"),
            models.Index(fields=["msisdn", "product"], name="complaints_msisdn_product"),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("complaints:detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.state in rules.OPEN_STATES

    @property
    def is_repeat(self) -> bool:
        return self.reopen_count > 0 or self.repeat_of_id is not None

    # --- transitions (only through actions / core.fsm.transition) ------------------------------
    @transition(field=state, source=[State.RECEIVED, State.ANSWERED], target=State.DISPATCHED)
    def dispatch(self) -> None: ...

    @transition(field=state, source=State.DISPATCHED, target=State.ANSWERED)
    def answer(self) -> None: ...

    @transition(field=state, source=[State.RECEIVED, State.DISPATCHED, State.ANSWERED], target=State.CLOSED)
    def close(self) -> None: ...

    @transition(field=state, source=State.CLOSED, target=State.DISPATCHED)
    def reopen_to_partner(self) -> None: ...

    @transition(field=state, source=State.CLOSED, target=State.RECEIVED)
    def reopen(self) -> None: ...


class Refund(models.Model):
    """Money paid back to the user for a complaint, charged back to the partner once (a settlement
    Adjustment of kind "refund" whose source is this row)."""

    complaint = models.OneToOneField(Complaint, on_delete=models.PROTECT, related_name="refund")
    msisdn = models.CharField(_("手机号码"), max_length=20)
    partner = models.ForeignKey("partners.Partner", on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="+")
    period_start = models.DateField(_("争议期间起"))
    period_end = models.DateField(_("争议期间止"))
    charged_fen = models.BigIntegerField(_("期间扣费（分）"))
    ratio_bp = models.PositiveIntegerField(_("退费倍数（基点）"))
    amount_fen = models.BigIntegerField(_("退费金额（分）"))
    refunded_on = models.DateField(_("退费日期"))
    unsubscribed = models.BooleanField(_("已为用户退订"), default=False)
    adjustment = models.ForeignKey(
        "settlement.Adjustment", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.TextField(_("说明"), blank=True, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = ClockDateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("投诉退费")
        verbose_name_plural = _("投诉退费")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount_fen__gt=0), name="complaints_refund_positive")
        ]

    def __str__(self) -> str:
        return f"{self.complaint.number} 退费 {self.amount_fen / 100:.2f} 元"
