"""Forms of the work-order pages (labels and help in Chinese)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _

from vasops.core.forms import StyledFormMixin
from vasops.partners.models import Partner
from vasops.workorders import queries, rules
from vasops.workorders.models import Comment, WorkOrder


class WorkOrderForm(StyledFormMixin, forms.Form):
    input_model = WorkOrder  # lengths and bounds of fields named like WorkOrder's (core.inputs)
    type = forms.ChoiceField(
        label=gettext_lazy("类型"), choices=[t for t in rules.TYPES if t[0] not in rules.LINKED_TYPES]
    )
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
    needs_network_company = forms.BooleanField(
        label=_("需总部网络公司运行维护部处理"),
        required=False,
        help_text=_("应用软件归属总部网络公司运行维护部或需其配合执行时勾选；不勾选则审批后直接实施。"),
    )
    head_approver = forms.CharField(
        label=_("申请单位审批负责人"),
        max_length=50,
        required=False,
        help_text=_("紧急工单必填：须先经申请单位负责人审批同意后提交。"),
    )
    head_approved_on = forms.DateField(
        label=_("负责人审批日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("紧急工单必填，不晚于提交日期。"),
    )
    title = forms.CharField(label=gettext_lazy("标题"), max_length=200)
    description = forms.CharField(
        label=gettext_lazy("描述"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("其他说明。应用软件升级的方案请分项填写下列各栏。"),
    )
    planned_at = forms.DateTimeField(
        label=_("计划操作时间"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("应用软件升级必填（以下方案各项同）。"),
    )
    impact_scope = forms.CharField(
        label=_("业务影响范围"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    operators = forms.CharField(
        label=_("操作人员组织"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    technical_plan = forms.CharField(
        label=_("技术方案"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    implementation_steps = forms.CharField(
        label=_("实施步骤"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    test_plan = forms.CharField(label=_("测试方案"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    rollback_plan = forms.CharField(
        label=_("回退预案"), required=False, widget=forms.Textarea(attrs={"rows": 2})
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
