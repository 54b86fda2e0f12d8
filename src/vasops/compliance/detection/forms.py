"""Forms of the detection pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from vasops.compliance.detection.models import DetectionRule
from vasops.core.forms import StyledFormMixin


class RuleForm(StyledFormMixin, forms.Form):
    input_model = DetectionRule

    threshold = forms.IntegerField(
        label=_("阈值"),
        min_value=0,
        help_text=_("比例以万分之一为单位（3000 = 30%）；突增为倍数 × 10000（50000 = 5 倍）；其余为件数。"),
    )
    min_sample = forms.IntegerField(label=_("最小样本量"), min_value=0)
    violation_code = forms.CharField(label=_("违约类型代码"), max_length=30, required=False)
    is_active = forms.BooleanField(label=_("启用"), required=False)
    reason = forms.CharField(label=_("修改原因"), max_length=255, required=False)


class RunForm(StyledFormMixin, forms.Form):
    day = forms.DateField(label=_("检测日期"), widget=forms.DateInput(attrs={"type": "date"}))
