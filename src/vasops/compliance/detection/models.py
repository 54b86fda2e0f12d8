"""Detection of unauthorised charging (暗扣、乱扣费): the staff-edited thresholds of each figure,
the daily runs, and the hits (a product × figure × day beyond its threshold, with the figures)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from vasops.core.fields import ClockDateTimeField

__all__ = ["DetectionHit", "DetectionRule", "DetectionRun", "Metric"]


class Metric(models.TextChoices):
    UNCONFIRMED = "unconfirmed_orders", _("不可信渠道未经二次确认的新订购")
    UNSUBSCRIBE_24H = "unsubscribe_24h", _("24 小时内退订比例")
    UNSUBSCRIBE_72H = "unsubscribe_72h", _("72 小时内退订比例")
    COMPLAINTS = "complaints_per_10k", _("每万订购用户投诉数")
    MONTH_END = "month_end_charges", _("月末最后一天新订购的包月扣费占比")
    GROWTH = "sudden_growth", _("扣费量较前 30 天日均突增")
    NEVER_USED = "never_used_share", _("从未使用的订购用户占比（按次产品）")


class DetectionRule(models.Model):
    """One figure's threshold: a product is flagged when its value is at least ``threshold``
    and the figure rests on at least ``min_sample`` cases."""

    metric = models.CharField(_("检测项"), max_length=30, choices=Metric.choices, unique=True)
    threshold = models.IntegerField(_("阈值"))
    min_sample = models.PositiveIntegerField(_("最小样本量"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)
    violation_code = models.CharField(
        _("生成违约草稿的违约类型代码"),
        max_length=30,
        blank=True,
        help_text=_("空：只记录疑点，不生成违约草稿"),
    )
    updated_at = ClockDateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("异常扣费检测阈值")
        verbose_name_plural = _("异常扣费检测阈值")
        ordering = ["id"]

    def __str__(self) -> str:
        return str(self.get_metric_display())


class DetectionRun(models.Model):
    """The daily job for one business day (Asia/Shanghai): one row per day, so a re-run changes
    nothing twice."""

    day = models.DateField(_("检测日期"), unique=True)
    started_at = ClockDateTimeField(_("开始时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    products = models.PositiveIntegerField(_("检测产品数"), default=0)
    hits = models.PositiveIntegerField(_("疑点数"), default=0)
    actor_label = models.CharField(_("执行方"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("异常扣费检测批次")
        verbose_name_plural = _("异常扣费检测批次")
        ordering = ["-day"]
        permissions = [("run_detection", "运行异常扣费检测")]

    def __str__(self) -> str:
        return str(self.day)


class DetectionHit(models.Model):
    run = models.ForeignKey(DetectionRun, on_delete=models.PROTECT, related_name="hit_rows")
    day = models.DateField(_("数据日期"), help_text=_("退订比例为当日新订购的一批用户"))
    metric = models.CharField(_("检测项"), max_length=30, choices=Metric.choices)
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="+")
    partner = models.ForeignKey("partners.Partner", on_delete=models.PROTECT, related_name="+")
    value = models.IntegerField(_("检测值"))
    threshold = models.IntegerField(_("阈值（检测时）"))
    sample = models.PositiveIntegerField(_("样本量"))
    figures = models.JSONField(_("明细数据"), default=dict)
    violation_type = models.CharField(_("违约记录类型"), max_length=60, blank=True)
    violation_id = models.CharField(_("违约记录编号"), max_length=40, blank=True)
    created_at = ClockDateTimeField(_("发现时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("疑似违规扣费")
        verbose_name_plural = _("疑似违规扣费")
        ordering = ["-day", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["product", "metric", "day"], name="compliance_detectionhit_once")
        ]
        indexes = [models.Index(fields=["partner", "day"])]

    def __str__(self) -> str:
        return f"{self.get_metric_display()} {self.day}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("compliance:detection:hit", args=[self.pk])
