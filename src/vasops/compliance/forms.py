"""Forms of the compliance pages (labels in Chinese, input policy from core)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from vasops.catalog.forms import MultipleFileField, YuanField
from vasops.catalog.models import BusinessLine, Product
from vasops.compliance.models import ComplianceSettings, Consequence, Grade, ViolationRecord, ViolationType
from vasops.core.forms import StyledFormMixin
from vasops.partners.models import Partner
from vasops.vac.models import ServiceBlock


def _type_choices() -> list[tuple[str, str]]:
    return [
        (t.code, f"{t.name}（{t.get_grade_display()}）")
        for t in ViolationType.objects.filter(is_current=True, is_active=True).order_by("code")
    ]


class ViolationForm(StyledFormMixin, forms.Form):
    input_model = ViolationRecord

    partner = forms.ModelChoiceField(label=_("合作伙伴"), queryset=Partner.objects.order_by("name"))
    product = forms.ModelChoiceField(
        label=_("产品"),
        queryset=Product.objects.order_by("name"),
        required=False,
        help_text=_("可不选（违约不涉及具体产品）"),
    )
    violation_code = forms.ChoiceField(label=_("违约类型"), choices=())
    summary = forms.CharField(label=_("违约事实"), widget=forms.Textarea(attrs={"rows": 3}))
    evidence_files = MultipleFileField(label=_("证据材料"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["violation_code"]
        field.choices = _type_choices()


class RaiseForm(StyledFormMixin, forms.Form):
    summary = forms.CharField(
        label=_("违约事实（可修改）"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    evidence_files = MultipleFileField(label=_("补充证据材料"), required=False)


class ReasonForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(label=_("原因"), widget=forms.Textarea(attrs={"rows": 2}))


class AppealForm(StyledFormMixin, forms.Form):
    text = forms.CharField(label=_("申诉理由"), widget=forms.Textarea(attrs={"rows": 4}))
    attachments = MultipleFileField(label=_("申诉材料"), required=False)


class DecideForm(StyledFormMixin, forms.Form):
    decision = forms.ChoiceField(
        label=_("裁定结果"),
        choices=[("upheld", _("维持处罚")), ("reduced", _("减轻处罚")), ("dismissed", _("撤销"))],
    )
    reason = forms.CharField(label=_("裁定理由"), widget=forms.Textarea(attrs={"rows": 2}))
    points = forms.IntegerField(label=_("扣信用分（减轻时）"), required=False, min_value=0, max_value=100)
    penalty = YuanField(label=_("违约金（元，减轻时）"), required=False)


class ViolationTypeForm(StyledFormMixin, forms.Form):
    input_model = ViolationType

    code = forms.CharField(
        label=_("代码"),
        max_length=30,
        help_text=_("接口与导入用的标识：小写英文字母、数字与下划线；保存后不能修改"),
    )
    name = forms.CharField(label=_("名称"))
    grade = forms.ChoiceField(label=_("违约等级"), choices=Grade.choices)
    points = forms.IntegerField(
        label=_("扣信用分"), required=False, help_text=_("留空按等级默认：一般 2、严重 5、重大 10")
    )
    penalty = YuanField(label=_("违约金（元）"), required=False)
    consequence = forms.ChoiceField(label=_("处理措施"), choices=Consequence.choices)
    description = forms.CharField(label=_("说明"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)


class SettingsForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = ComplianceSettings
        fields = [
            "appeal_working_days",
            "start_points",
            "excellent_from",
            "good_from",
            "pass_from",
            "points_general",
            "points_serious",
            "points_major",
            "blacklist_months",
            "class_ban_months",
            "assessment_pass_score",
            "assessment_fail_points",
        ]


class BlockForm(StyledFormMixin, forms.Form):
    scope = forms.ChoiceField(label=_("屏蔽范围"), choices=ServiceBlock.Scope.choices)
    partner = forms.ModelChoiceField(label=_("合作伙伴"), queryset=Partner.objects.order_by("name"))
    product = forms.ModelChoiceField(
        label=_("产品（屏蔽产品时）"), queryset=Product.objects.order_by("name"), required=False
    )
    business_line = forms.ModelChoiceField(
        label=_("业务线（屏蔽业务线时）"), queryset=BusinessLine.objects.all(), required=False
    )
    reason = forms.CharField(label=_("屏蔽原因"), widget=forms.Textarea(attrs={"rows": 2}))
    ends_on = forms.DateField(
        label=_("结束日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("留空表示直至解除"),
    )


class ExitForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(
        label=_("退出类型"), choices=[("product", _("产品退出")), ("partner", _("合作伙伴退出"))]
    )
    partner = forms.ModelChoiceField(label=_("合作伙伴"), queryset=Partner.objects.order_by("name"))
    product = forms.ModelChoiceField(
        label=_("产品（产品退出时）"), queryset=Product.objects.order_by("name"), required=False
    )
    reason = forms.CharField(label=_("退出原因"), widget=forms.Textarea(attrs={"rows": 2}))


class AssessmentForm(StyledFormMixin, forms.Form):
    period_kind = forms.ChoiceField(label=_("周期"), choices=[("month", _("月度")), ("quarter", _("季度"))])
    day = forms.DateField(label=_("期内任一日期"), widget=forms.DateInput(attrs={"type": "date"}))
