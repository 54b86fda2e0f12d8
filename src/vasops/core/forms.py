from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from vasops.core.inputs import InputPolicyMixin


class StyledFormMixin(InputPolicyMixin):
    """Bootstrap classes on every widget, so templates can render fields generically; the input
    policy (``core.inputs``) on every field, so every form of the project refuses what it refuses."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():  # type: ignore[attr-defined]
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                css = "form-select"
            elif isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
                css = ""
            else:
                css = "form-control"
            if css:
                widget.attrs["class"] = (widget.attrs.get("class", "") + " " + css).strip()


class OtpForm(StyledFormMixin, forms.Form):
    token = forms.CharField(
        label=gettext_lazy("动态验证码"),
        min_length=6,
        max_length=6,
        help_text=gettext_lazy(
            "打开身份验证器应用（如 Google Authenticator、Microsoft Authenticator），输入 6 位数字。"
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class CalendarDayForm(StyledFormMixin, forms.Form):
    date = forms.DateField(label=gettext_lazy("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    is_working_day = forms.TypedChoiceField(
        label=gettext_lazy("类型"),
        choices=[("1", gettext_lazy("工作日（含调休上班）")), ("0", gettext_lazy("休息日（含法定节假日）"))],
        coerce=lambda v: v == "1",
    )
    note = forms.CharField(label=gettext_lazy("说明"), max_length=100, required=False)
    reason = forms.CharField(
        label=gettext_lazy("修改原因"),
        max_length=500,
        help_text=gettext_lazy("例如：国务院办公厅 2027 年放假安排通知。"),
    )
