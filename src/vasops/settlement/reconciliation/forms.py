"""Forms of the reconciliation pages (labels and help in Chinese)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from vasops.core.forms import StyledFormMixin
from vasops.settlement.reconciliation import rules
from vasops.settlement.reconciliation.models import Dispute, Reconciliation

FEN_BOUND = rules.MAX_FEN


class OpenForm(StyledFormMixin, forms.Form):
    input_model = Reconciliation
    month = forms.CharField(
        label=_("对账月份"), max_length=7, help_text=_("格式 YYYY-MM，如 2026-12；月结束后才能申请。")
    )
    note = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def clean_month(self) -> dt.date:
        month = rules.parse_month(self.cleaned_data["month"])
        if month is None:
            raise forms.ValidationError(_("月份格式应为 YYYY-MM。"))
        return month


class UploadForm(StyledFormMixin, forms.Form):
    summary = forms.FileField(
        label=_("对账汇总文件（按日 × 产品）"),
        help_text=_("CSV（UTF-8 或 GBK）或 Excel .xlsx；列：日期、产品代码、条数、金额（分）。"),
    )
    detail = forms.FileField(
        label=_("话单明细文件（可选）"),
        required=False,
        help_text=_(
            "CSV 或 .xlsx；列：话单编号、手机号码、产品代码、金额（分）、时间。用于按话单核对争议日。"
        ),
    )


class DisputeForm(StyledFormMixin, forms.Form):
    input_model = Dispute
    reason = forms.CharField(label=_("争议理由"), widget=forms.Textarea(attrs={"rows": 3}))
    claimed_fen = forms.IntegerField(
        label=_("主张金额（分）"),
        required=False,
        min_value=-FEN_BOUND,
        max_value=FEN_BOUND,
        help_text=_("留空则取该行差额（合作方金额 − 平台金额）；正数为应补结给合作方。"),
    )
    evidence = forms.FileField(
        label=_("证据文件（可选）"), required=False, help_text=_("PDF、图片、Word、Excel 或 ZIP。")
    )


class EvidenceForm(StyledFormMixin, forms.Form):
    evidence = forms.FileField(label=_("补充证据文件"))


class AcceptForm(StyledFormMixin, forms.Form):
    input_model = Dispute
    amount_fen = forms.IntegerField(
        label=_("认定金额（分）"),
        required=False,
        min_value=-FEN_BOUND,
        max_value=FEN_BOUND,
        help_text=_("留空则按合作方主张金额；计入对账月份的下一个月结算。"),
    )
    reason = forms.CharField(label=_("处理意见"), widget=forms.Textarea(attrs={"rows": 2}))


class RejectForm(StyledFormMixin, forms.Form):
    input_model = Dispute
    reason = forms.CharField(label=_("驳回理由"), widget=forms.Textarea(attrs={"rows": 2}))


class CloseForm(StyledFormMixin, forms.Form):
    note = forms.CharField(label=_("关闭说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class CdrDiffForm(StyledFormMixin, forms.Form):
    day = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, month: dt.date | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.month = month
