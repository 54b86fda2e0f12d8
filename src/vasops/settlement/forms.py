"""Forms of the settlement console (the input policy of core.inputs applies to every field)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from vasops.catalog.models import BusinessLine, Product
from vasops.core.forms import StyledFormMixin
from vasops.core.rules import parse_yuan
from vasops.partners.models import Partner
from vasops.settlement import rules
from vasops.settlement.models import RatioVersion, SettlementRun


class MonthField(forms.CharField):
    def clean(self, value: Any) -> Any:
        text = super().clean(value)
        month = rules.parse_month(text or "")
        if month is None:
            raise forms.ValidationError(_("请输入月份，格式 YYYY-MM，例如 2026-11。"))
        return month


class SignedYuanField(forms.CharField):
    def clean(self, value: Any) -> Any:
        text = str(super().clean(value) or "").strip()
        negative = text.startswith("-")
        try:
            fen = parse_yuan(text.lstrip("-"))
        except (ValueError, ArithmeticError) as exc:
            raise forms.ValidationError(
                _("请输入金额（元），最多两位小数；扣减填负数，例如 -50.00。")
            ) from exc
        return -fen if negative else fen


class RunForm(StyledFormMixin, forms.Form):
    month = MonthField(
        label=_("结算月份"), max_length=7, help_text=_("YYYY-MM，须为已结束且话单已导出的月份")
    )
    engine = forms.ChoiceField(label=_("计算引擎"), choices=SettlementRun.Engine.choices)
    note = forms.CharField(label=_("说明"), required=False, max_length=500)


class RatioForm(StyledFormMixin, forms.Form):
    level = forms.ChoiceField(label=_("层级"), choices=RatioVersion.Level.choices)
    partner = forms.ModelChoiceField(
        label=_("合作伙伴"),
        queryset=Partner.objects.order_by("name"),
        required=False,
        help_text=_("合同层级必填；业务线层级留空表示该业务线全部合作伙伴"),
    )
    business_line = forms.ModelChoiceField(
        label=_("业务线"), queryset=BusinessLine.objects.order_by("sort_order", "code"), required=False
    )
    product = forms.ModelChoiceField(
        label=_("产品"), queryset=Product.objects.select_related("partner").order_by("name"), required=False
    )
    ratio_percent = forms.DecimalField(
        label=_("合作伙伴分成比例（%）"), min_value=0, max_value=100, decimal_places=2, max_digits=5
    )
    valid_from = forms.DateField(label=_("生效日"), widget=forms.DateInput(attrs={"type": "date"}))
    valid_to = forms.DateField(
        label=_("失效日（不含，可空）"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(label=_("原因"), max_length=500)


class BadDebtForm(StyledFormMixin, forms.Form):
    business_line = forms.ModelChoiceField(
        label=_("业务线"), queryset=BusinessLine.objects.order_by("sort_order", "code")
    )
    month = MonthField(label=_("结算月份"), max_length=7)
    rate_percent = forms.DecimalField(
        label=_("坏账率（%）"), min_value=0, max_value=100, decimal_places=2, max_digits=5
    )
    reason = forms.CharField(label=_("原因"), max_length=500)


class AdjustmentForm(StyledFormMixin, forms.Form):
    partner = forms.ModelChoiceField(label=_("合作伙伴"), queryset=Partner.objects.order_by("name"))
    product = forms.ModelChoiceField(
        label=_("产品（可空）"),
        queryset=Product.objects.select_related("partner").order_by("name"),
        required=False,
    )
    month = MonthField(label=_("结算月份"), max_length=7, help_text=_("该月已发布时计入下一个未结算月份"))
    amount = SignedYuanField(label=_("金额（元）"), max_length=20, help_text=_("负数扣减，正数补给合作伙伴"))
    reason = forms.CharField(label=_("原因"), max_length=500)
