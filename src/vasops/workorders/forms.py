"""Forms of the work-order pages (labels and help in Chinese)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

from vasops.core.forms import StyledFormMixin
from vasops.partners.models import Partner
from vasops.workorders import queries, rules
from vasops.workorders.models import Comment, WorkOrder


class WorkOrderForm(StyledFormMixin, forms.Form):
    input_model = WorkOrder  # lengths and bounds of fields named like WorkOrder's (core.inputs)
    type = forms.ChoiceField(label=gettext_lazy("类型"), choices=rules.TYPES)
    priority = forms.ChoiceField(
        label=gettext_lazy("优先级"),
        choices=rules.PRIORITIES,
        initial=rules.NORMAL,
        help_text=(
            gettext_lazy(
                "普通工单：审批 2、网络公司 5、实施 3 个工作日；"
                "紧急工单：1 / 3 / 2 个工作日（紧急申请需申请单位负责人同意）。"
            )
        ),
    )
    title = forms.CharField(label=gettext_lazy("标题"), max_length=200)
    description = forms.CharField(
        label=gettext_lazy("描述"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy(
            "应用软件升级请写明计划操作时间、业务影响范围、操作人员、技术方案、实施步骤、测试方案和回退预案。"
        ),
    )
    system = forms.ChoiceField(
        label=gettext_lazy("系统"),
        choices=[("", "—"), *rules.VAS_SYSTEMS],
        required=False,
        help_text=gettext_lazy("数据变更工单必填。"),
    )
    partner = forms.ModelChoiceField(
        label=gettext_lazy("合作伙伴"), queryset=Partner.objects.all(), required=False
    )
    assignee = forms.ModelChoiceField(
        label=gettext_lazy("处理人"), queryset=queries.handlers(), required=False
    )

    def __init__(self, *args: Any, partner_side: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = queries.handlers()  # type: ignore[attr-defined]
        if partner_side:
            self.fields["type"].choices = [(c, label) for c, label in rules.TYPES if c in rules.PARTNER_TYPES]  # type: ignore[attr-defined]
            del self.fields["partner"]
            del self.fields["assignee"]


class NoteForm(StyledFormMixin, forms.Form):
    note = forms.CharField(
        label=gettext_lazy("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ResultForm(StyledFormMixin, forms.Form):
    input_model = WorkOrder  # lengths and bounds of fields named like WorkOrder's (core.inputs)
    result = forms.CharField(
        label=gettext_lazy("处理结果"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ReasonForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(label=gettext_lazy("重开原因"), widget=forms.Textarea(attrs={"rows": 2}))


class AssignForm(StyledFormMixin, forms.Form):
    assignee = forms.ModelChoiceField(label=gettext_lazy("处理人"), queryset=queries.handlers())
    note = forms.CharField(label=gettext_lazy("交接说明"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = queries.handlers()  # type: ignore[attr-defined]


class CommentForm(StyledFormMixin, forms.Form):
    input_model = Comment  # lengths and bounds of fields named like Comment's (core.inputs)
    text = forms.CharField(label=gettext_lazy("留言"), widget=forms.Textarea(attrs={"rows": 3}))
    upload = forms.FileField(
        label=gettext_lazy("附件"),
        required=False,
        help_text=gettext_lazy("PDF、图片、Word、Excel、PPT 或 ZIP。"),
    )
