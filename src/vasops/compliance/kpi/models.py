"""SP KPIs (《增值业务提供商运行维护管理要求》第四章 关键业务指标): the indicator definitions with
their thresholds (staff-edited, seeded by a data migration) and the results per partner and period.

A record keeps the threshold and direction it was judged against, so editing a definition later
never changes a past verdict."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from vasops.core.fields import ClockDateTimeField

__all__ = ["KpiDefinition", "KpiDirection", "KpiPeriod", "KpiRecord", "KpiUnit"]


class KpiUnit(models.TextChoices):
    MS = "ms", _("毫秒")
    BP = "bp", _("百分比")  # stored in basis points: 9950 = 99.50 %
    COUNT = "count", _("个")


class KpiDirection(models.TextChoices):
    AT_LEAST = "at_least", _("不低于")
    AT_MOST = "at_most", _("不高于")


class KpiPeriod(models.TextChoices):
    MONTH = "month", _("月")
    QUARTER = "quarter", _("季度")


class KpiDefinition(models.Model):
    code = models.CharField(_("指标代码"), max_length=40, unique=True)
    name = models.CharField(_("指标名称"), max_length=100)
    unit = models.CharField(_("单位"), max_length=10, choices=KpiUnit.choices)
    direction = models.CharField(_("达标方向"), max_length=10, choices=KpiDirection.choices)
    threshold = models.IntegerField(
        _("门限值"), help_text=_("毫秒、个数按原值；百分比以万分之一为单位（9950 = 99.50%）")
    )
    period = models.CharField(
        _("考核周期"), max_length=10, choices=KpiPeriod.choices, default=KpiPeriod.MONTH
    )
    clause = models.CharField(_("依据条款"), max_length=200, blank=True)
    description = models.CharField(_("说明"), max_length=500, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)
    updated_at = ClockDateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("KPI 指标")
        verbose_name_plural = _("KPI 指标")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class KpiRecord(models.Model):
    class Source(models.TextChoices):
        IMPORT = "import", _("文件导入")
        API = "api", _("接口")
        FORM = "form", _("手工登记")

    partner = models.ForeignKey("partners.Partner", on_delete=models.PROTECT, related_name="kpi_records")
    definition = models.ForeignKey(KpiDefinition, on_delete=models.PROTECT, related_name="records")
    period = models.CharField(_("周期"), max_length=7, help_text=_("月：2026-11；季度：2026Q4"))
    period_start = models.DateField(_("周期开始"))
    period_end = models.DateField(_("周期结束"))
    value = models.IntegerField(_("结果值"))
    threshold = models.IntegerField(_("门限值（登记时）"))
    direction = models.CharField(_("达标方向（登记时）"), max_length=10, choices=KpiDirection.choices)
    met = models.BooleanField(_("达标"))
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices)
    note = models.CharField(_("备注"), max_length=255, blank=True)
    recorded_by = models.ForeignKey(
        "core.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = ClockDateTimeField(_("登记时间"), auto_now=True)

    class Meta:
        verbose_name = _("KPI 记录")
        verbose_name_plural = _("KPI 记录")
        ordering = ["-period_start", "partner_id", "definition__sort_order"]
        permissions = [("record_kpi", "登记与导入 KPI 记录")]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "definition", "period"], name="compliance_kpi_one_per_period"
            )
        ]
        indexes = [models.Index(fields=["partner", "met", "period_start"])]

    def __str__(self) -> str:
        return f"{self.definition} {self.period}"
