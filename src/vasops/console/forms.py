from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from vasops.core.forms import StyledFormMixin


class DemoClockForm(StyledFormMixin, forms.Form):
    day = forms.DateField(
        label=gettext_lazy("演示业务日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy(
            "仅演示环境（DEBUG）可用：所有按日期判断的规则（受理窗口、考核日、期限）都以此日期为“今天”。留空恢复真实日期。"
        ),
    )
