"""Forms of the basic-info change pages 基本信息变更 (one form per kind, plus the review form)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from vasops.core.forms import StyledFormMixin
from vasops.partners.forms import HOTLINE_HELP
from vasops.partners.models import ChangeKind, Contact

NOTE = forms.CharField(
    label=gettext_lazy("变更说明"),
    required=False,
    widget=forms.Textarea(attrs={"rows": 2}),
    help_text=gettext_lazy("简要说明变更原因，便于审核。"),
)


class ContactChangeForm(StyledFormMixin, forms.Form):
    role = forms.ChoiceField(label=gettext_lazy("联系人类型"), choices=Contact.Role.choices)
    name = forms.CharField(label=gettext_lazy("姓名"), max_length=50)
    phone = forms.CharField(label=gettext_lazy("电话"), max_length=20)
    email = forms.EmailField(label=gettext_lazy("邮箱"))
    note = NOTE


class HotlineChangeForm(StyledFormMixin, forms.Form):
    cs_hotline = forms.CharField(label=gettext_lazy("新客服热线"), max_length=20, help_text=HOTLINE_HELP)
    note = NOTE


class BankChangeForm(StyledFormMixin, forms.Form):
    bank_name = forms.CharField(
        label=gettext_lazy("开户行"), max_length=100, help_text=gettext_lazy("例如：中国工商银行武汉洪山支行")
    )
    account_name = forms.CharField(
        label=gettext_lazy("户名"), max_length=200, help_text=gettext_lazy("须与企业名称一致。")
    )
    account_number = forms.CharField(
        label=gettext_lazy("账号"), max_length=40, help_text=gettext_lazy("6–40 位数字，可含空格。")
    )
    note = NOTE


class CompanyChangeForm(StyledFormMixin, forms.Form):
    name = forms.CharField(
        label=gettext_lazy("企业名称"), max_length=200, help_text=gettext_lazy("与新营业执照一致。")
    )
    legal_representative = forms.CharField(label=gettext_lazy("法定代表人"), max_length=50)
    address = forms.CharField(label=gettext_lazy("地址"), max_length=300)
    licence_scan = forms.FileField(
        label=gettext_lazy("新营业执照扫描件"),
        help_text=gettext_lazy("PDF、JPG 或 PNG；变更企业名称、法定代表人或地址均须附上。"),
    )
    note = NOTE


FORMS: dict[str, type[forms.Form]] = {
    ChangeKind.CONTACTS: ContactChangeForm,
    ChangeKind.CS_HOTLINE: HotlineChangeForm,
    ChangeKind.BANK_ACCOUNT: BankChangeForm,
    ChangeKind.COMPANY: CompanyChangeForm,
}


class ReviewForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("审核意见"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("退回或驳回时必填，合作伙伴会看到。"),
    )
