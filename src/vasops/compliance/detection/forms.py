"""Forms of the detection pages."""

from __future__ import annotations

from typing import Any

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
    violation_code = forms.ChoiceField(label=_("生成违约草稿的违约类型"), required=False)
    is_active = forms.BooleanField(label=_("启用"), required=False)
    reason = forms.CharField(label=_("修改原因"), max_length=255, required=False)

    def __init__(self, *args: Any, current_code: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from vasops.compliance.models import ViolationType

        types = ViolationType.objects.filter(is_current=True).order_by("code")
        choices: list[tuple[str, Any]] = [("", _("不生成违约草稿（只记录疑点）"))]
        choices += [
            (t.code, f"{t.name}（{t.get_grade_display()}）")
            for t in types
            if t.is_active or t.code == current_code
        ]
        if current_code and current_code not in {code for code, _label in choices}:
            choices.append((current_code, current_code))  # a code the catalogue no longer has
        field: Any = self.fields["violation_code"]
        field.choices = choices


class RunForm(StyledFormMixin, forms.Form):
    day = forms.DateField(label=_("检测日期"), widget=forms.DateInput(attrs={"type": "date"}))
