"""Forms of the admission pages (labels and help in Chinese)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _

from vasops.admission import rules
from vasops.admission.models import AccessMethod, AccessTestResult, Application
from vasops.catalog import queries as catalog_queries
from vasops.catalog.models import BillingMode
from vasops.core.forms import StyledFormMixin


class ApplicationForm(StyledFormMixin, forms.Form):
    input_model = Application  # lengths and bounds of fields named like Application's (core.inputs)
    business_lines = forms.MultipleChoiceField(
        label=gettext_lazy("申请业务类别"),
        choices=catalog_queries.business_line_choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("每个业务类别须填写一份新增产品申请表（附件2）。"),
    )
    access_method = forms.ChoiceField(
        label=gettext_lazy("接入方式"), choices=[("", gettext_lazy("请选择")), *AccessMethod.choices]
    )
    certified_om_staff = forms.IntegerField(
        label=gettext_lazy("持证运维人员数"), min_value=0, help_text=gettext_lazy("至少 1 人。")
    )
    cs_hotline = forms.CharField(
        label=gettext_lazy("7×24 客服热线"),
        max_length=20,
        help_text=gettext_lazy("须为 800、400、1010xxx 或 1010xxxx 号码；普通固话、手机不予受理。"),
    )
    call_centre_seats = forms.IntegerField(
        label=gettext_lazy("呼叫中心席位数"), min_value=0, help_text=gettext_lazy("至少 1 个席位。")
    )
    call_centre_agents = forms.IntegerField(
        label=gettext_lazy("客服人员数"), min_value=0, help_text=gettext_lazy("至少 4 人。")
    )
    connect_rate_bp = forms.IntegerField(
        label=gettext_lazy("接通率（基点）"),
        min_value=0,
        max_value=10000,
        help_text=gettext_lazy("10000 = 100%；须不低于 9900（99%）。"),
    )
    answered_20s_bp = forms.IntegerField(
        label=gettext_lazy("20 秒内应答率（基点）"),
        min_value=0,
        max_value=10000,
        help_text=gettext_lazy("须不低于 8000（80%）。"),
    )

    CAPABILITY_FIELDS = (
        "access_method",
        "certified_om_staff",
        "cs_hotline",
        "call_centre_seats",
        "call_centre_agents",
        "connect_rate_bp",
        "answered_20s_bp",
    )

    def __init__(self, *args: Any, partner_kind: str = "", **kwargs: Any) -> None:
        """``partner_kind``: a CP's capability declarations are optional (第二章 一(五)2)."""
        super().__init__(*args, **kwargs)
        self.capability_optional = not rules.capability_required(partner_kind)
        self.capability_note: Any = ""
        if self.capability_optional:
            for name in self.CAPABILITY_FIELDS:
                if name in self.fields:
                    self.fields[name].required = False
            self.capability_note = _(
                "内容提供商（CP）只需营业执照及年检记录、信息来源合法证明（第二章 一(五)2），"
                "以下能力条件可不填写。"
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.capability_optional:
            for name in self.CAPABILITY_FIELDS:
                if data.get(name) is None and name in self.fields:
                    data[name] = 0 if isinstance(self.fields[name], forms.IntegerField) else ""
        return data


class MaterialForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("资料类型"), choices=rules.MATERIALS)
    file = forms.FileField(
        label=gettext_lazy("文件"), help_text=gettext_lazy("PDF、Word、Excel、PPT、图片或 ZIP。")
    )


class ProductForm(StyledFormMixin, forms.Form):
    business_line = forms.ChoiceField(label=gettext_lazy("业务类别"), choices=())
    name = forms.CharField(label=gettext_lazy("产品名称"), max_length=100)
    description = forms.CharField(
        label=gettext_lazy("产品描述"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    fee_yuan = forms.DecimalField(
        label=gettext_lazy("资费（元）"), min_value=0, max_digits=10, decimal_places=2
    )
    billing_mode = forms.ChoiceField(label=gettext_lazy("计费方式"), choices=BillingMode.choices)

    def __init__(self, *args: Any, lines: list[tuple[str, str]] | None = None, **kwargs: Any) -> None:
        """``lines``: (code, name) of the application's business lines; default every active line."""
        super().__init__(*args, **kwargs)
        self.fields["business_line"].choices = (  # type: ignore[attr-defined]
            lines if lines is not None else catalog_queries.business_line_choices()
        )


class ReasonForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("理由"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


class ReviewForm(StyledFormMixin, forms.Form):
    decision = forms.ChoiceField(
        label=gettext_lazy("初审结论"),
        choices=[
            ("approve", gettext_lazy("通过")),
            ("return", gettext_lazy("退回修改")),
            ("reject", gettext_lazy("不通过")),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=gettext_lazy("初审意见"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


class DecisionForm(StyledFormMixin, forms.Form):
    decision = forms.ChoiceField(
        label=gettext_lazy("准入决定"),
        choices=[
            ("accept", gettext_lazy("接受（分配企业代码与业务接入号）")),
            ("defer", gettext_lazy("暂缓")),
            ("reject", gettext_lazy("拒绝（3 个月内不得申请）")),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=gettext_lazy("理由"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


class AccessDataForm(StyledFormMixin, forms.Form):
    technical_contact = forms.CharField(label=gettext_lazy("技术联系人及电话"), max_length=200)
    server_addresses = forms.CharField(
        label=gettext_lazy("接入服务器地址（IP/端口）"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )
    capability_summary = forms.CharField(
        label=gettext_lazy("业务能力（网关账号、流量、回调地址等）"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    business_summary = forms.CharField(
        label=gettext_lazy("业务及产品信息"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("按业务类型填写所需资料。"),
    )


class WorkOrderForm(StyledFormMixin, forms.Form):
    systems = forms.MultipleChoiceField(label=gettext_lazy("发往系统"), widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, systems: list[tuple[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["systems"].choices = systems or []  # type: ignore[attr-defined]


class ResultForm(StyledFormMixin, forms.Form):
    input_model = AccessTestResult  # lengths and bounds of fields named like AccessTestResult's (core.inputs)
    case = forms.ChoiceField(label=gettext_lazy("测试用例"))
    passed = forms.TypedChoiceField(
        label=gettext_lazy("结果"),
        choices=[("1", gettext_lazy("通过")), ("0", gettext_lazy("不通过"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=gettext_lazy("说明"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(self, *args: Any, cases: list[tuple[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["case"].choices = cases or []  # type: ignore[attr-defined]


class PaperApplicationForm(StyledFormMixin, forms.Form):
    """第三章 一、1: the formal paper application, recorded as received."""

    received_on = forms.DateField(
        label=_("收到日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    receiver = forms.CharField(label=_("接收人"), max_length=50)


class OpeningForm(StyledFormMixin, forms.Form):
    """附件5 开通资料: what goes live and what users are told (第二章 一(四)1 5))."""

    opened_on = forms.DateField(
        label=_("开通日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    service_name = forms.CharField(label=_("业务名称"), max_length=200)
    service_content = forms.CharField(
        label=_("业务内容"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    tariff = forms.CharField(label=_("资费标准"), max_length=200, help_text=_("例如：5 元/月（包月）"))
    cs_hotline = forms.CharField(label=_("客服电话"), max_length=20)
    unsubscribe_method = forms.CharField(
        label=_("退订方式"), max_length=500, help_text=_("例如：发送 TD 到 1065518800，或拨打客服电话退订")
    )


class ContractForm(StyledFormMixin, forms.Form):
    term_start = forms.DateField(
        label=gettext_lazy("合同起始日"), widget=forms.DateInput(attrs={"type": "date"})
    )
    term_end = forms.DateField(
        label=gettext_lazy("合同终止日"), widget=forms.DateInput(attrs={"type": "date"})
    )
    settlement_ratio_bp = forms.IntegerField(
        label=gettext_lazy("结算比例（基点）"),
        min_value=0,
        max_value=10000,
        help_text=gettext_lazy("合作方分成比例，10000 = 100%。"),
    )
    signed_copy = forms.FileField(label=gettext_lazy("合同签署扫描件"))


class SettingsForm(StyledFormMixin, forms.Form):
    acceptance_months = forms.CharField(
        label=gettext_lazy("受理月份"),
        max_length=40,
        help_text=gettext_lazy("逗号分隔，例如 1,4,7,10（默认每季度第一个月）。"),
    )
    reason = forms.CharField(label=gettext_lazy("修改原因"), max_length=500, required=False)
