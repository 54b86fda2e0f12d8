from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext, gettext_lazy

from vasops.admission.review.models import ReviewMeeting, ScoreSheet
from vasops.core.forms import StyledFormMixin


class ExpertForm(StyledFormMixin, forms.Form):
    user: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=gettext_lazy("登录账号"), queryset=None, help_text=gettext_lazy("须为“评审专家”角色的用户。")
    )
    name = forms.CharField(label=gettext_lazy("姓名"), max_length=50)
    specialities = forms.CharField(
        label=gettext_lazy("专业领域"),
        required=False,
        help_text=gettext_lazy("业务类别或技术方向，用逗号分隔，例如：短信, WAP, 网络安全"),
    )
    affiliation = forms.CharField(
        label=gettext_lazy("所在单位"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("与申请企业同名时自动回避。"),
    )
    active = forms.BooleanField(label=gettext_lazy("在库（可被抽取）"), required=False, initial=True)

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from django.contrib.auth import get_user_model

        from vasops.core import roles

        field: Any = self.fields["user"]
        field.queryset = get_user_model().objects.filter(
            groups__name=roles.EXPERT, expert_profile__isnull=True
        )
        if editing:
            del self.fields["user"]

    def speciality_list(self) -> list[str]:
        raw = self.cleaned_data.get("specialities") or ""
        return [s.strip() for s in raw.replace("，", ",").split(",") if s.strip()]


class ConflictForm(StyledFormMixin, forms.Form):
    partner: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=gettext_lazy("回避的合作伙伴"), queryset=None
    )
    reason = forms.CharField(label=gettext_lazy("回避原因"), max_length=500)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from vasops.partners.models import Partner

        field: Any = self.fields["partner"]
        field.queryset = Partner.objects.all()


class MeetingForm(StyledFormMixin, forms.Form):
    input_model = ReviewMeeting  # lengths and bounds of fields named like ReviewMeeting's (core.inputs)
    application: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=gettext_lazy("准入申请"), queryset=None, empty_label=gettext_lazy("请选择考核通过的申请")
    )
    date = forms.DateField(label=gettext_lazy("评审日期"), widget=forms.DateInput(attrs={"type": "date"}))
    place = forms.CharField(label=gettext_lazy("地点"), max_length=200)
    panel_size = forms.IntegerField(label=gettext_lazy("评审组人数"), min_value=1, max_value=15, initial=5)
    seed = forms.CharField(
        label=gettext_lazy("抽取种子"),
        max_length=40,
        required=False,
        help_text=gettext_lazy("留空则随机生成并保存；同一种子重新抽取得到同一评审组。"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from vasops.admission.models import Application

        field: Any = self.fields["application"]
        field.queryset = Application.objects.filter(state=Application.State.EXAM_PASSED).select_related(
            "partner"
        )
        field.label_from_instance = lambda a: f"{a.number} · {a.partner.name}"


class AttendanceForm(StyledFormMixin, forms.Form):
    attended = forms.TypedChoiceField(
        label=gettext_lazy("申请方是否到场"),
        choices=[("1", gettext_lazy("已到场（演讲并演示）")), ("0", gettext_lazy("未到场"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
        help_text=gettext_lazy("未到场将自动登记“未参加评审”，并对该合作伙伴禁入 1 年。"),
    )
    reason = forms.CharField(label=gettext_lazy("说明"), max_length=500, required=False)


class CloseForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("结束原因"),
        max_length=500,
        help_text=gettext_lazy("例如：某专家因故未能提交评分表。"),
    )


class ScoreSheetForm(StyledFormMixin, forms.Form):
    input_model = ScoreSheet  # lengths and bounds of fields named like ScoreSheet's (core.inputs)
    comment = forms.CharField(
        label=gettext_lazy("评语"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(
        self,
        *args: Any,
        indicators: list[tuple[str, str, int]],
        initial_scores: dict[str, int],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.codes = [code for code, _name, _w in indicators]
        for code, name, weight in indicators:
            self.fields[f"score_{code}"] = forms.IntegerField(
                label=gettext("%(name)s（权重 %(percent)s）")
                % {"name": name, "percent": f"{weight / 100:.2f}%"},
                min_value=0,
                max_value=100,
                required=False,
                initial=initial_scores.get(code),
            )
        self.order_fields([f"score_{c}" for c in self.codes] + ["comment"])

    def scores(self) -> dict[str, int]:
        return {
            c: self.cleaned_data[f"score_{c}"]
            for c in self.codes
            if self.cleaned_data.get(f"score_{c}") is not None
        }


class WeightsForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(label=gettext_lazy("调整原因"), max_length=500, required=False)

    def __init__(self, *args: Any, indicators: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.codes = [i.code for i in indicators]
        for i in indicators:
            self.fields[f"w_{i.code}"] = forms.IntegerField(
                label=f"{i.get_group_display()} · {i.name}",
                min_value=0,
                max_value=10000,
                initial=i.weight_bp,
                help_text=i.description,
            )
        self.order_fields([f"w_{c}" for c in self.codes] + ["reason"])

    def weights(self) -> dict[str, int]:
        return {c: self.cleaned_data[f"w_{c}"] for c in self.codes}
