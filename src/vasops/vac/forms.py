"""Forms of the VAC pages (labels and help in Chinese)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext, gettext_lazy

from vasops.core.forms import StyledFormMixin
from vasops.vac import msisdn as numbers


class LookupForm(StyledFormMixin, forms.Form):
    msisdn = forms.CharField(
        label=gettext_lazy("手机号码"),
        max_length=20,
        help_text=gettext_lazy("11 位手机号码，也可带 86 或 +86 前缀。"),
    )

    def clean_msisdn(self) -> str:
        value = numbers.bare(self.cleaned_data["msisdn"])
        if value is None:
            raise forms.ValidationError(gettext("请输入 11 位手机号码。"))
        return value


class UnsubscribeForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("退订原因"),
        max_length=200,
        help_text=gettext_lazy("将记入订购关系变更记录与审计日志（发给 SP 的退订通知不含原因）。"),
        widget=forms.TextInput(attrs={"placeholder": "例如：用户来电要求退订"}),
    )


class CrmUploadForm(StyledFormMixin, forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CRM 批量文件"),
        help_text=gettext_lazy(
            "GBK 文本：一行 105 字节的文件头，之后每行 15 个 TAB 分隔字段（VAC.md C.3）。"
            "同一文件（内容相同，或文件名与文件序号相同）只处理一次。"
        ),
    )


class EndpointForm(StyledFormMixin, forms.Form):
    url = forms.URLField(label=gettext_lazy("通知地址（SPOrderUrl）"), max_length=500, assume_scheme="https")
    order_key = forms.CharField(
        label="OrderKey",
        max_length=64,
        required=False,
        help_text=gettext_lazy(
            "用于计算 encodeStr（MD5(userId + OrderKey + productId + time_stamp)）；留空则不签名。"
        ),
        widget=forms.PasswordInput(render_value=True),
    )
    enabled = forms.BooleanField(label=gettext_lazy("启用"), required=False, initial=True)
