"""Forms of the catalogue pages (labels and help in Chinese; errors shown inline)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext, gettext_lazy

from vasops.catalog.labels import extra_field_label
from vasops.catalog.models import (
    BillingMode,
    BusinessLine,
    Product,
    ProductChangeRequest,
    ProductType,
    ResourcePool,
)
from vasops.core.forms import StyledFormMixin
from vasops.core.inputs import limits_of
from vasops.core.rules import format_fen, parse_yuan


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class YuanField(forms.CharField):
    """Money typed in yuan (“12.50”), cleaned to integer fen."""

    def clean(self, value: Any) -> Any:
        text = super().clean(value)
        if text in ("", None):
            return None
        try:
            fen = parse_yuan(str(text))
        except (ValueError, ArithmeticError) as exc:
            raise forms.ValidationError(gettext("请输入金额（元），最多两位小数，例如 5 或 0.50。")) from exc
        top = limits_of(Product, "fee_fen").maximum  # the column's bound (core.inputs)
        if top is not None and fen > top:
            raise forms.ValidationError(gettext("金额不能超过 %(top)s 元。") % {"top": format_fen(top)})
        return fen


class ProductForm(StyledFormMixin, forms.Form):
    """Attachment 2 — the common part plus the fields of the chosen business line."""

    input_model = Product  # lengths and bounds of fields named like Product's (core.inputs)

    business_line = forms.ModelChoiceField(
        label=gettext_lazy("业务线"),
        queryset=BusinessLine.objects.filter(is_active=True),
        to_field_name="code",
    )
    name = forms.CharField(label=gettext_lazy("产品名称"), max_length=255)
    access_number = forms.CharField(
        label=gettext_lazy("业务接入号"),
        max_length=21,
        help_text=gettext_lazy("贵公司分配的业务接入号，或在其后扩展的子号码。"),
    )
    product_type = forms.ChoiceField(label=gettext_lazy("产品类型"), choices=ProductType.choices)
    billing_mode = forms.ChoiceField(label=gettext_lazy("计费方式"), choices=BillingMode.choices)
    fee = YuanField(
        label=gettext_lazy("资费（元）"),
        help_text=gettext_lazy("包月为每月费用；按条/按次为单价；免费填 0。"),
    )
    description = forms.CharField(label=gettext_lazy("产品描述"), widget=forms.Textarea(attrs={"rows": 4}))
    materials = MultipleFileField(
        label=gettext_lazy("申报材料"),
        required=False,
        help_text=gettext_lazy("附件2《新增产品申请资料》及业务介绍、资费说明等（PDF/Word/Excel/图片）。"),
    )

    def __init__(self, *args: Any, line: BusinessLine | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.line = line
        self.extra_names: list[str] = []
        for spec in (line.extra_fields if line else []) or []:
            key = f"x_{spec['name']}"
            self.fields[key] = forms.CharField(
                label=extra_field_label(spec), required=bool(spec.get("required")), max_length=500
            )
            self.fields[key].widget.attrs["class"] = "form-control"
            self.extra_names.append(spec["name"])

    def details(self) -> dict[str, str]:
        return {n: self.cleaned_data.get(f"x_{n}", "") for n in self.extra_names}

    @staticmethod
    def initial_from(product: Any) -> dict[str, Any]:
        data = {
            "business_line": product.business_line.code,
            "name": product.name,
            "access_number": product.access_number,
            "product_type": product.product_type,
            "billing_mode": product.billing_mode,
            "fee": format_fen(product.fee_fen).replace(",", ""),
            "description": product.description,
        }
        data.update({f"x_{k}": v for k, v in (product.details or {}).items()})
        return data


class ChangeRequestForm(StyledFormMixin, forms.Form):
    """Attachment 3 — change of name, description or fee from a future date."""

    input_model = (
        ProductChangeRequest  # lengths and bounds of fields named like ProductChangeRequest's (core.inputs)
    )

    name = forms.CharField(label=gettext_lazy("产品名称"), max_length=255)
    description = forms.CharField(label=gettext_lazy("产品描述"), widget=forms.Textarea(attrs={"rows": 4}))
    fee = YuanField(
        label=gettext_lazy("资费（元）"),
        help_text=gettext_lazy("包月产品不得提价；按次/按条产品提价需按产品新增流程重新审核。"),
    )
    effective_on = forms.DateField(
        label=gettext_lazy("生效日期"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("最早为明天。"),
    )
    reason = forms.CharField(
        label=gettext_lazy("变更原因"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    materials = MultipleFileField(
        label=gettext_lazy("申报材料"), required=False, help_text=gettext_lazy("附件3《变更产品申请资料》。")
    )


class ReviewForm(StyledFormMixin, forms.Form):
    decision = forms.ChoiceField(
        label=gettext_lazy("审核结论"),
        choices=[
            ("approve", gettext_lazy("通过")),
            ("return", gettext_lazy("退回修改")),
            ("reject", gettext_lazy("驳回")),
        ],
    )
    product_code = forms.CharField(
        label=gettext_lazy("产品代码"),
        max_length=10,
        required=False,
        help_text=gettext_lazy("10 位：业务类型代码开头的 8 位业务代码 + 2 位序号。"),
    )
    reason = forms.CharField(
        label=gettext_lazy("审核意见"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class BusinessLineForm(StyledFormMixin, forms.Form):
    input_model = BusinessLine  # lengths and bounds of fields named like BusinessLine's (core.inputs)
    code = forms.CharField(label=gettext_lazy("代码"), max_length=20)
    name = forms.CharField(label=gettext_lazy("名称"), max_length=50)
    service_type = forms.CharField(
        label=gettext_lazy("业务类型代码"), max_length=2, help_text=gettext_lazy("PRM 附录 A2，2 位数字。")
    )
    vas_systems = forms.MultipleChoiceField(
        label=gettext_lazy("涉及系统"), choices=[], widget=forms.CheckboxSelectMultiple
    )
    needs_channel = forms.BooleanField(
        label=gettext_lazy("需要通道"),
        required=False,
        help_text=gettext_lazy("产品提交审核时占用本业务线通道配额资源池的 1 个通道。"),
    )
    is_active = forms.BooleanField(label=gettext_lazy("启用"), required=False, initial=True)
    sort_order = forms.IntegerField(label=gettext_lazy("排序"), min_value=0, initial=0)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from vasops.workorders.models import VAS_SYSTEMS

        self.fields["vas_systems"].choices = VAS_SYSTEMS  # type: ignore[attr-defined]


class PoolForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("资源类型"), choices=ResourcePool.Kind.choices)
    business_line = forms.ModelChoiceField(
        label=gettext_lazy("业务线"),
        queryset=BusinessLine.objects.all(),
        to_field_name="code",
        required=False,
        help_text=gettext_lazy("通道配额与 E1 线路按业务线配置；企业代码与业务接入号留空。"),
    )
    name = forms.CharField(label=gettext_lazy("名称"), max_length=100)
    range_start = forms.CharField(
        label=gettext_lazy("号段起"),
        max_length=21,
        required=False,
        help_text=gettext_lazy("企业代码与业务接入号：企业代码须为 44 开头的 8 位数字。"),
    )
    range_end = forms.CharField(label=gettext_lazy("号段止"), max_length=21, required=False)
    explicit_numbers = forms.CharField(
        label=gettext_lazy("指定号码"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=gettext_lazy("逗号或换行分隔。"),
    )
    capacity = forms.IntegerField(
        label=gettext_lazy("容量"),
        min_value=0,
        initial=0,
        help_text=gettext_lazy("通道数 / E1 线路数；号码类：最多可分配的号码数，0 表示号段内全部号码。"),
    )
    note = forms.CharField(label=gettext_lazy("说明"), max_length=500, required=False)
    is_active = forms.BooleanField(label=gettext_lazy("启用"), required=False, initial=True)


class AllocateForm(StyledFormMixin, forms.Form):
    partner: forms.ModelChoiceField = forms.ModelChoiceField(label=gettext_lazy("合作伙伴"), queryset=None)  # type: ignore[arg-type,type-arg,var-annotated]
    quantity = forms.IntegerField(label=gettext_lazy("数量"), min_value=1, initial=1)
    reason = forms.CharField(label=gettext_lazy("说明"), max_length=500, required=False)

    def __init__(self, *args: Any, number_pool: bool = False, **kwargs: Any) -> None:
        """``number_pool``: a pool of enterprise codes / access numbers gives one number at a time."""
        super().__init__(*args, **kwargs)
        from vasops.partners.models import Partner

        self.fields["partner"].queryset = Partner.objects.order_by("name")  # type: ignore[attr-defined]
        if number_pool:
            self.fields["quantity"].widget = forms.HiddenInput()


class ImportForm(StyledFormMixin, forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Excel 文件"),
        help_text=gettext_lazy("按模板填写的 .xlsx 文件；任一行有误则整批不导入。"),
    )
    already_live = forms.BooleanField(
        label=gettext_lazy("已在网运行"),
        required=False,
        help_text=gettext_lazy(
            "勾选：这些产品已在网络中上线，导入后直接为“已上线”并生成版本 1；不勾选：导入为草稿。"
        ),
    )
