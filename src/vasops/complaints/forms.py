"""Forms of the complaint pages (labels and help in Chinese)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from vasops.catalog.models import Product
from vasops.complaints.models import Complaint, Refund
from vasops.core.forms import StyledFormMixin

DATE = forms.DateInput(attrs={"type": "date"})


class IntakeForm(StyledFormMixin, forms.Form):
    """A CS agent records a complaint (the product list comes from the user's VAC relations and
    CDRs once the number is entered)."""

    input_model = Complaint
    msisdn = forms.CharField(label=_("手机号码"), max_length=20)
    product = forms.ModelChoiceField(
        label=_("投诉产品"),
        queryset=Product.objects.none(),
        required=False,
        empty_label=_("（暂不确定）"),
        help_text=_("列出该号码的订购关系和近 90 天话单涉及的产品。"),
    )
    category = forms.ChoiceField(label=_("投诉类别"), choices=Complaint.Category.choices)
    description = forms.CharField(label=_("投诉内容"), widget=forms.Textarea(attrs={"rows": 4}))
    contact = forms.CharField(
        label=_("联系电话"), max_length=20, required=False, help_text=_("与手机号码不同时填写。")
    )

    def __init__(self, *args: Any, products: list[Product] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ids = [p.pk for p in products or []]
        field: Any = self.fields["product"]
        field.queryset = Product.objects.filter(pk__in=ids).select_related("partner")
        field.label_from_instance = lambda p: f"{p.name}（{p.product_code or p.access_number}）· {p.partner}"


class PublicComplaintForm(StyledFormMixin, forms.Form):
    input_model = Complaint
    msisdn = forms.CharField(label=_("您的手机号码"), max_length=20)
    product_hint = forms.CharField(
        label=_("业务名称或业务代码"),
        max_length=100,
        required=False,
        help_text=_("如扣费短信中的业务名称、业务代码或服务号码；不清楚可不填。"),
    )
    category = forms.ChoiceField(label=_("投诉类别"), choices=Complaint.Category.choices)
    description = forms.CharField(label=_("投诉内容"), widget=forms.Textarea(attrs={"rows": 4}))
    contact = forms.CharField(label=_("联系电话"), max_length=20, required=False)


class LookupForm(StyledFormMixin, forms.Form):
    number = forms.CharField(label=_("投诉单号"), max_length=20, help_text=_("如 TS202612-0001"))
    msisdn = forms.CharField(label=_("手机号码"), max_length=20)


class PublicReopenForm(LookupForm):
    reason = forms.CharField(
        label=_("不满意的原因"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


class DispatchForm(StyledFormMixin, forms.Form):
    product = forms.ModelChoiceField(label=_("投诉产品"), queryset=Product.objects.none(), required=False)
    note = forms.CharField(
        label=_("给合作伙伴的说明"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, products: list[Product] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["product"]
        if products is None:
            del self.fields["product"]
        else:
            field.queryset = Product.objects.filter(pk__in=[p.pk for p in products]).select_related("partner")
            field.required = True
            field.label_from_instance = lambda p: (
                f"{p.name}（{p.product_code or p.access_number}）· {p.partner}"
            )


class AnswerForm(StyledFormMixin, forms.Form):
    input_model = Complaint
    partner_answer = forms.CharField(
        label=_("处理情况和结果"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("写明核查的订购记录、扣费情况、已采取的措施（如已退订、已退费）。"),
    )


class CloseForm(StyledFormMixin, forms.Form):
    input_model = Complaint
    reply = forms.CharField(label=_("回复用户"), widget=forms.Textarea(attrs={"rows": 3}))
    verdict = forms.ChoiceField(label=_("认定"), choices=Complaint.Verdict.choices, required=False)


class ReopenForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("再次投诉原因"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class RefundForm(StyledFormMixin, forms.Form):
    input_model = Refund
    period_start = forms.DateField(label=_("争议期间起"), widget=DATE)
    period_end = forms.DateField(label=_("争议期间止"), widget=DATE)
    upheld = forms.BooleanField(
        label=_("投诉成立"), required=False, help_text=_("“未经同意订购”投诉成立时按扣费的 2 倍退费。")
    )
    amount_yuan = forms.DecimalField(
        label=_("退费金额（元）"),
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=2,
        help_text=_("不填则按话单计算；与计算金额不同时须说明原因。"),
    )
    unsubscribe = forms.BooleanField(label=_("同时为用户退订该产品"), required=False)
    reason = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        yuan = data.get("amount_yuan")
        data["amount_fen"] = int((yuan * 100).to_integral_value()) if yuan is not None else None
        return data


def violation_type_choices() -> list[tuple[str, str]] | None:
    """The compliance catalogue's current violation types, or None without the compliance app."""
    try:
        from vasops.compliance.models import ViolationType
    except ImportError:
        return None
    rows = ViolationType.objects.filter(is_current=True, is_active=True).order_by("code")
    return [(t.code, f"{t.name}（{t.get_grade_display()}）") for t in rows]


class ViolationForm(StyledFormMixin, forms.Form):
    violation_code = forms.CharField(
        label=_("违约类型代码"), max_length=40, help_text=_("违约目录中违约类型的代码。")
    )
    summary = forms.CharField(label=_("违约事实摘要"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = violation_type_choices()
        if choices:
            self.fields["violation_code"] = forms.ChoiceField(
                label=_("违约类型"), choices=choices, widget=forms.Select(attrs={"class": "form-select"})
            )
