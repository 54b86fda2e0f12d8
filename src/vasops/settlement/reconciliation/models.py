"""Reconciliation 结算对账 (《日常事务办理规范》第三章 五、附件 7 结算对账申请): a partner's request for
a month, the records it uploaded, the diff per day × product against our CDRs, and its disputes.

Money in integer fen; months are the first day of the month. The partner's CDR-level detail
(millions of lines) is not kept in PostgreSQL: it is written to a Parquet file beside the CDR
export (``detail_path``) and diffed there with DuckDB."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from vasops.core.fields import ClockDateTimeField


class Reconciliation(models.Model):
    """对账申请: one per partner and month (a closed one can be followed by a new one)."""

    class State(models.TextChoices):
        OPEN = "open", _("待上传")
        DIFFED = "diffed", _("已比对")
        CLOSED = "closed", _("已关闭")

    number = models.CharField(_("对账编号"), max_length=30, unique=True)
    partner = models.ForeignKey("partners.Partner", on_delete=models.PROTECT, related_name="reconciliations")
    month = models.DateField(_("对账月份"), help_text=_("该月第一天"))
    state = models.CharField(_("状态"), max_length=12, choices=State.choices, default=State.OPEN)
    note = models.TextField(_("说明"), blank=True, default="")
    # the latest accepted upload
    file_name = models.CharField(_("对账文件"), max_length=255, blank=True, default="")
    file_sha256 = models.CharField(max_length=64, blank=True, default="")
    file_encoding = models.CharField(_("文件编码"), max_length=20, blank=True, default="")
    detail_file_name = models.CharField(_("话单明细文件"), max_length=255, blank=True, default="")
    detail_rows = models.BigIntegerField(_("明细行数"), default=0)
    detail_path = models.CharField(max_length=500, blank=True, default="")
    uploads = models.PositiveIntegerField(_("上传次数"), default=0)
    uploaded_at = models.DateTimeField(_("上传时间"), null=True, blank=True)
    # totals of the diff (fen): ours / theirs, and the lines per status
    our_count = models.BigIntegerField(default=0)
    our_fee_fen = models.BigIntegerField(default=0)
    their_count = models.BigIntegerField(default=0)
    their_fee_fen = models.BigIntegerField(default=0)
    status_counts = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = ClockDateTimeField(_("申请时间"), auto_now_add=True)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    updated_at = ClockDateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("对账申请")
        verbose_name_plural = _("对账申请")
        ordering = ["-month", "-id"]
        permissions = [("decide_dispute", "处理对账争议")]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "month"],
                condition=~models.Q(state="closed"),
                name="reconciliation_one_open_per_partner_month",
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.month:%Y-%m}"

    def get_absolute_url(self) -> str:
        return reverse("reconciliation:detail", args=[self.pk])

    @property
    def fee_difference_fen(self) -> int:
        return self.their_fee_fen - self.our_fee_fen


class ReconciliationLine(models.Model):
    """One day × product of the diff."""

    class Status(models.TextChoices):
        MATCHED = "matched", _("一致")
        MISSING_OURS = "missing_ours", _("平台缺失")
        MISSING_THEIRS = "missing_theirs", _("合作方缺失")
        COUNT_DIFFERS = "count_differs", _("条数不一致")
        AMOUNT_DIFFERS = "amount_differs", _("金额不一致")

    reconciliation = models.ForeignKey(Reconciliation, on_delete=models.CASCADE, related_name="lines")
    day = models.DateField(_("日期"))
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="+")
    product_code = models.CharField(_("产品代码"), max_length=10, blank=True, default="")
    our_count = models.BigIntegerField(_("平台条数"), default=0)
    our_fee_fen = models.BigIntegerField(_("平台金额（分）"), default=0)
    their_count = models.BigIntegerField(_("合作方条数"), default=0)
    their_fee_fen = models.BigIntegerField(_("合作方金额（分）"), default=0)
    their_line = models.PositiveIntegerField(_("文件行号"), null=True, blank=True)
    status = models.CharField(_("比对结果"), max_length=16, choices=Status.choices)

    class Meta:
        verbose_name = _("对账明细")
        verbose_name_plural = _("对账明细")
        ordering = ["day", "product_code", "product_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["reconciliation", "day", "product"], name="reconciliation_line_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.product_code or self.product_id}"

    @property
    def fee_difference_fen(self) -> int:
        return self.their_fee_fen - self.our_fee_fen

    @property
    def count_difference(self) -> int:
        return self.their_count - self.our_count


class Dispute(models.Model):
    """争议: raised by the partner on a diff line; finance accepts (an Adjustment carried into the
    next month's run) or rejects it with a reason, within the deadline in working days."""

    class State(models.TextChoices):
        PENDING = "pending", _("待处理")
        ACCEPTED = "accepted", _("已接受")
        REJECTED = "rejected", _("已驳回")

    number = models.CharField(_("争议编号"), max_length=30, unique=True)
    reconciliation = models.ForeignKey(Reconciliation, on_delete=models.PROTECT, related_name="disputes")
    line = models.ForeignKey(ReconciliationLine, on_delete=models.PROTECT, related_name="disputes")
    partner = models.ForeignKey("partners.Partner", on_delete=models.PROTECT, related_name="+")
    state = models.CharField(_("状态"), max_length=12, choices=State.choices, default=State.PENDING)
    reason = models.TextField(_("争议理由"))
    claimed_fen = models.BigIntegerField(
        _("主张金额（分）"), help_text=_("正数为合作方主张应补结的金额，负数为应扣减的金额")
    )
    accepted_fen = models.BigIntegerField(_("认定金额（分）"), null=True, blank=True)
    decision_reason = models.TextField(_("处理意见"), blank=True, default="")
    due_at = models.DateTimeField(_("处理时限"))
    escalated_at = models.DateTimeField(_("超期升级时间"), null=True, blank=True)
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    raised_at = ClockDateTimeField(_("提出时间"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    adjustment = models.OneToOneField(
        "settlement.Adjustment", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("对账争议")
        verbose_name_plural = _("对账争议")
        ordering = ["-raised_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["line"],
                condition=models.Q(state="pending"),
                name="reconciliation_one_pending_dispute",
            )
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("reconciliation:dispute", args=[self.pk])


class DisputeEvidence(models.Model):
    """An evidence file of a dispute (core.documents, downloaded through the checked view)."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="evidence")
    document = models.ForeignKey("core.Document", on_delete=models.PROTECT, related_name="+")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = ClockDateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("争议证据")
        verbose_name_plural = _("争议证据")
        ordering = ["id"]
