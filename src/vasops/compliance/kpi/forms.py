"""Forms of the KPI pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from vasops.compliance.kpi.models import KpiDefinition, KpiDirection, KpiPeriod
from vasops.core.forms import StyledFormMixin


class DefinitionForm(StyledFormMixin, forms.Form):
    input_model = KpiDefinition

    name = forms.CharField(label=_("指标名称"), max_length=100)
    direction = forms.ChoiceField(label=_("达标方向"), choices=KpiDirection.choices)
    threshold_text = forms.CharField(
        label=_("门限值"),
        max_length=20,
        help_text=_("百分比指标填百分数（如 99.5）；时间填毫秒；个数填整数。"),
    )
    period = forms.ChoiceField(label=_("考核周期"), choices=KpiPeriod.choices)
    description = forms.CharField(label=_("说明"), max_length=500, required=False)
    is_active = forms.BooleanField(label=_("启用"), required=False)
    reason = forms.CharField(label=_("修改原因"), max_length=255, required=False)


class ImportForm(StyledFormMixin, forms.Form):
    file = forms.FileField(
        label=_("CSV 或 Excel 文件"),
        help_text=_(
            "列：企业代码、指标（代码或名称）、周期（2026-11 或 2026Q4）、结果值、备注；"
            "任一行有误则整批不导入。"
        ),
    )
