"""Forms of the partner pages (labels and help in Chinese; the rules live in rules.py/actions.py)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _

from vasops.core.forms import StyledFormMixin
from vasops.partners import rules
from vasops.partners.models import (
    BankAccount,
    Contact,
    Locality,
    Partner,
    PartnerKind,
    Qualification,
    QualificationKind,
    Restriction,
    RestrictionKind,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

HOTLINE_HELP = gettext_lazy(
    "7×24 客服热线须为 800、400、1010xxx 或 1010xxxx 号码，例如 4001234567；普通固话和手机号码不予受理。"
)


class UserFieldsMixin(forms.Form):
    username = forms.CharField(
        label=gettext_lazy("用户名"), max_length=150, help_text=gettext_lazy("用于登录，字母、数字或 @.+-_")
    )
    password = forms.CharField(
        label=gettext_lazy("密码"),
        widget=forms.PasswordInput(render_value=True),
        help_text=gettext_lazy("至少 8 位，不能全是数字，不能太常见。"),
    )
    password2 = forms.CharField(label=gettext_lazy("确认密码"), widget=forms.PasswordInput(render_value=True))
    display_name = forms.CharField(label=gettext_lazy("姓名"), max_length=100)
    email = forms.EmailField(
        label=gettext_lazy("邮箱"), help_text=gettext_lazy("用于接收审核结果和到期提醒。")
    )
    phone = forms.CharField(label=gettext_lazy("手机"), max_length=20, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") and data.get("password2") and data["password"] != data["password2"]:
            self.add_error("password2", "两次输入的密码不一致。")
        return data


class RegistrationForm(StyledFormMixin, UserFieldsMixin):
    input_model = Partner  # lengths and bounds of fields named like Partner's (core.inputs)
    name = forms.CharField(
        label=gettext_lazy("企业名称"), max_length=200, help_text=gettext_lazy("与营业执照一致。")
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("合作伙伴类型"), choices=PartnerKind.choices, widget=forms.RadioSelect
    )
    locality = forms.ChoiceField(
        label=gettext_lazy("属地"), choices=Locality.choices, widget=forms.RadioSelect
    )
    credit_code = forms.CharField(
        label=gettext_lazy("统一社会信用代码"),
        min_length=18,
        max_length=18,
        help_text=gettext_lazy("18 位，见营业执照。"),
    )
    legal_representative = forms.CharField(label=gettext_lazy("法定代表人"), max_length=50)
    address = forms.CharField(label=gettext_lazy("地址"), max_length=300)
    cs_hotline = forms.CharField(label=gettext_lazy("客服热线"), max_length=20, help_text=HOTLINE_HELP)

    field_order = [
        "name",
        "kind",
        "locality",
        "credit_code",
        "legal_representative",
        "address",
        "cs_hotline",
        "username",
        "password",
        "password2",
        "display_name",
        "email",
        "phone",
    ]

    def clean_credit_code(self) -> str:
        code = self.cleaned_data["credit_code"].strip().upper()
        problem = rules.credit_code_problem(code)
        if problem:
            raise forms.ValidationError(problem)
        return code

    def clean_cs_hotline(self) -> str:
        value = self.cleaned_data["cs_hotline"]
        problem = rules.hotline_problem(value)
        if problem:
            raise forms.ValidationError(problem)
        return value


class AddUserForm(StyledFormMixin, UserFieldsMixin):
    pass


class ProfileForm(StyledFormMixin, forms.Form):
    legal_representative = forms.CharField(label=gettext_lazy("法定代表人"), max_length=50)
    address = forms.CharField(label=gettext_lazy("地址"), max_length=300)


class HotlineForm(StyledFormMixin, forms.Form):
    input_model = Partner  # lengths and bounds of fields named like Partner's (core.inputs)
    cs_hotline = forms.CharField(label=gettext_lazy("客服热线"), max_length=20, help_text=HOTLINE_HELP)


class ContactForm(StyledFormMixin, forms.Form):
    input_model = Contact  # lengths and bounds of fields named like Contact's (core.inputs)
    role = forms.ChoiceField(label=gettext_lazy("联系人类型"), choices=Contact.Role.choices)
    name = forms.CharField(label=gettext_lazy("姓名"), max_length=50)
    phone = forms.CharField(label=gettext_lazy("电话"), max_length=20)
    email = forms.EmailField(label=gettext_lazy("邮箱"))


class BankAccountForm(StyledFormMixin, forms.Form):
    input_model = BankAccount  # lengths and bounds of fields named like BankAccount's (core.inputs)
    bank_name = forms.CharField(
        label=gettext_lazy("开户行"), max_length=100, help_text=gettext_lazy("例如：中国工商银行武汉洪山支行")
    )
    account_name = forms.CharField(
        label=gettext_lazy("户名"), max_length=200, help_text=gettext_lazy("须与企业名称一致。")
    )
    account_number = forms.CharField(label=gettext_lazy("账号"), max_length=40)


class QualificationForm(StyledFormMixin, forms.Form):
    input_model = Qualification  # lengths and bounds of fields named like Qualification's (core.inputs)
    kind = forms.ChoiceField(label=gettext_lazy("资质类型"), choices=QualificationKind.choices)
    number = forms.CharField(label=gettext_lazy("证书编号"), max_length=100)
    issuer = forms.CharField(label=gettext_lazy("发证机关"), max_length=200)
    valid_from = forms.DateField(label=gettext_lazy("有效期自"), widget=DATE)
    valid_until = forms.DateField(
        label=gettext_lazy("有效期至"),
        widget=DATE,
        required=False,
        help_text=gettext_lazy("长期有效可留空。"),
    )
    annual_inspection_date = forms.DateField(label=gettext_lazy("年检日期"), widget=DATE, required=False)
    scan = forms.FileField(
        label=gettext_lazy("证书扫描件"), help_text=gettext_lazy("PDF、PNG 或 JPEG，不超过 20 MB。")
    )


class ReasonForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("原因"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


class RestrictionForm(StyledFormMixin, forms.Form):
    input_model = Restriction  # lengths and bounds of fields named like Restriction's (core.inputs)
    kind = forms.ChoiceField(label=gettext_lazy("限制类型"), choices=RestrictionKind.choices)
    business_line = forms.CharField(
        label=gettext_lazy("业务类别"),
        max_length=50,
        required=False,
        help_text=gettext_lazy("违规清退时必填：被清退的业务类别。"),
    )
    reason = forms.CharField(
        label=gettext_lazy("原因"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    source = forms.CharField(
        label=gettext_lazy("来源"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("例如：准入申请编号、违规处理单号。"),
    )
    starts_on = forms.DateField(label=gettext_lazy("开始日期"), widget=DATE)
    ends_on = forms.DateField(
        label=gettext_lazy("结束日期"),
        widget=DATE,
        required=False,
        help_text=_(
            "留空按规则计算：黑名单（不良信用记录）半年、驳回锁定 3 个月、禁入 1 年、"
            "违规清退 6 个月；重大违规长期。"
        ),
    )
