from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext, gettext_lazy

from vasops.admission.exam.models import Question, QuestionCategory, QuestionType
from vasops.admission.exam.rules import OPTION_LETTERS
from vasops.core.forms import StyledFormMixin


class QuestionForm(StyledFormMixin, forms.Form):
    input_model = Question  # lengths and bounds of fields named like Question's (core.inputs)
    category = forms.ChoiceField(label=gettext_lazy("类别"), choices=QuestionCategory.choices)
    qtype = forms.ChoiceField(label=gettext_lazy("题型"), choices=QuestionType.choices)
    text = forms.CharField(label=gettext_lazy("题目"), widget=forms.Textarea(attrs={"rows": 3}))
    option_a = forms.CharField(label=gettext_lazy("选项A"), required=False)
    option_b = forms.CharField(label=gettext_lazy("选项B"), required=False)
    option_c = forms.CharField(label=gettext_lazy("选项C"), required=False)
    option_d = forms.CharField(label=gettext_lazy("选项D"), required=False)
    option_e = forms.CharField(label=gettext_lazy("选项E"), required=False)
    option_f = forms.CharField(label=gettext_lazy("选项F"), required=False)
    answer = forms.CharField(
        label=gettext_lazy("答案"),
        max_length=10,
        help_text=gettext_lazy("单选填一个字母（如 B）；多选填多个字母（如 ACD）；判断填“对”或“错”。"),
    )

    @staticmethod
    def initial_for(question: Any) -> dict[str, Any]:
        data = {"category": question.category, "qtype": question.qtype, "text": question.text}
        answer = question.answer
        if question.qtype == "truefalse":
            answer = gettext("对") if answer == "T" else gettext("错")  # rules.normalise_answer reads both
        data["answer"] = answer
        for letter, text in zip(OPTION_LETTERS, question.options, strict=False):
            data[f"option_{letter.lower()}"] = text
        return data

    def options(self) -> list[str]:
        return [self.cleaned_data.get(f"option_{c.lower()}", "") or "" for c in OPTION_LETTERS]


class RetireForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(label=gettext_lazy("停用原因"), max_length=500)


class QuestionImportForm(StyledFormMixin, forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Excel 文件（.xlsx）"),
        help_text=gettext_lazy(
            "列：类别、题型、题目、选项A–选项F、答案。任何一行有错误时整个文件都不会导入。"
        ),
    )


class SittingForm(StyledFormMixin, forms.Form):
    application: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=gettext_lazy("准入申请"), queryset=None, empty_label=gettext_lazy("请选择初审通过的申请")
    )
    date = forms.DateField(
        label=gettext_lazy("考核日期"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("须为受理月的 11–15 日。"),
    )
    duration_minutes = forms.IntegerField(
        label=gettext_lazy("考试时长（分钟）"), min_value=1, max_value=600, initial=60
    )
    questions_per_paper = forms.IntegerField(
        label=gettext_lazy("每卷题数"), min_value=1, max_value=200, initial=20
    )
    business_person = forms.CharField(label=gettext_lazy("业务考生姓名"), max_length=50)
    technical_person = forms.CharField(label=gettext_lazy("技术考生姓名"), max_length=50)
    seed = forms.CharField(
        label=gettext_lazy("抽题种子"),
        max_length=40,
        required=False,
        help_text=gettext_lazy("留空则随机生成；相同种子和题库抽出相同试卷。"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from vasops.admission.models import Application

        field: Any = self.fields["application"]
        field.queryset = Application.objects.filter(state=Application.State.INITIAL_APPROVED).select_related(
            "partner"
        )
        field.label_from_instance = lambda a: f"{a.number} · {a.partner.name}"


class RecordScoresForm(StyledFormMixin, forms.Form):
    business_score = forms.IntegerField(label=gettext_lazy("业务成绩"), min_value=0, max_value=100)
    technical_score = forms.IntegerField(label=gettext_lazy("技术成绩"), min_value=0, max_value=100)
    reason = forms.CharField(
        label=gettext_lazy("说明"), max_length=500, help_text=gettext_lazy("例如：纸质闭卷考试，试卷编号 …")
    )
