"""Exam (接入考核) models: question bank, sittings, papers, scores. Imported by models.py."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from vasops.core.fields import ClockDateTimeField

__all__ = [
    "ExamPaper",
    "ExamSitting",
    "Question",
    "QuestionCategory",
    "QuestionType",
]


class QuestionCategory(models.TextChoices):
    BUSINESS = "business", _("业务")
    TECHNICAL = "technical", _("技术")


class QuestionType(models.TextChoices):
    SINGLE = "single", _("单选")
    MULTIPLE = "multiple", _("多选")
    TRUE_FALSE = "truefalse", _("判断")


class Question(models.Model):
    """One question of the bank. Never hard-deleted once used: retired instead."""

    category = models.CharField(_("类别"), max_length=12, choices=QuestionCategory.choices)
    qtype = models.CharField(_("题型"), max_length=12, choices=QuestionType.choices)
    text = models.TextField(_("题目"))
    options = models.JSONField(_("选项"), default=list, blank=True)
    answer = models.CharField(_("答案"), max_length=6, help_text=_("单选如 B；多选如 ACD；判断 T/F"))
    retired = models.BooleanField(_("已停用"), default=False)
    retired_reason = models.TextField(_("停用原因"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = ClockDateTimeField(auto_now_add=True)
    updated_at = ClockDateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("考核题目")
        verbose_name_plural = _("考核题库")
        ordering = ["-id"]
        indexes = [models.Index(fields=["category", "qtype", "retired"])]
        permissions = [("manage_exam", "管理题库与考核")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.text[:30]}"

    def get_absolute_url(self) -> str:
        return reverse("admission:exam_question_edit", args=[self.pk])

    def snapshot(self) -> dict[str, Any]:
        return {
            "id": self.pk,
            "qtype": self.qtype,
            "text": self.text,
            "options": list(self.options),
            "answer": self.answer,
        }


class ExamSitting(FSMModelMixin, models.Model):
    """The exam of one application: a business and a technical paper on one day (days 11–15)."""

    class State(models.TextChoices):
        SCHEDULED = "exam_scheduled", _("已安排")
        PUBLISHED = "exam_published", _("成绩已公布")

    application = models.ForeignKey(
        "admission.Application", on_delete=models.PROTECT, related_name="exam_sittings"
    )
    date = models.DateField(_("考核日期"))
    duration_minutes = models.PositiveIntegerField(_("考试时长（分钟）"))
    questions_per_paper = models.PositiveIntegerField(_("每卷题数"))
    business_person = models.CharField(_("业务考生"), max_length=50)
    technical_person = models.CharField(_("技术考生"), max_length=50)
    seed = models.CharField(_("抽题种子"), max_length=40)
    state = FSMField(
        _("状态"),
        max_length=20,
        choices=State.choices,
        default=State.SCHEDULED,
        protected=True,
    )
    passed = models.BooleanField(_("考核通过"), null=True, blank=True)
    published_at = models.DateTimeField(_("公布时间"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = ClockDateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("考核场次")
        verbose_name_plural = _("考核场次")
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.application} 考核 {self.date}"

    def get_absolute_url(self) -> str:
        return reverse("admission:exam_sitting_detail", args=[self.pk])

    @transition(field=state, source=State.SCHEDULED, target=State.PUBLISHED)
    def publish(self) -> None: ...


class ExamPaper(FSMModelMixin, models.Model):
    """One person's paper. ``questions`` is a snapshot: later bank edits do not change it."""

    class State(models.TextChoices):
        NOT_STARTED = "paper_not_started", _("未开始")
        IN_PROGRESS = "paper_in_progress", _("作答中")
        SUBMITTED = "paper_submitted", _("已交卷")
        RECORDED = "paper_recorded", _("线下成绩已录入")

    sitting = models.ForeignKey(ExamSitting, on_delete=models.PROTECT, related_name="papers")
    category = models.CharField(_("试卷类别"), max_length=12, choices=QuestionCategory.choices)
    person_name = models.CharField(_("考生"), max_length=50)
    questions = models.JSONField(_("题目快照"), default=list)
    drawn = models.ManyToManyField(Question, related_name="papers", blank=True)
    answers = models.JSONField(_("作答"), default=dict, blank=True)
    state = FSMField(
        _("状态"),
        max_length=20,
        choices=State.choices,
        default=State.NOT_STARTED,
        protected=True,
    )
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("交卷时间"), null=True, blank=True)
    auto_closed = models.BooleanField(_("超时自动交卷"), default=False)
    score = models.PositiveSmallIntegerField(_("成绩"), null=True, blank=True)
    score_reason = models.TextField(_("录入说明"), blank=True)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("考核试卷")
        verbose_name_plural = _("考核试卷")
        ordering = ["sitting", "category"]
        constraints = [
            models.UniqueConstraint(
                fields=["sitting", "category"], name="admission_exampaper_one_per_category"
            )
        ]

    def __str__(self) -> str:
        return f"{self.sitting.application} {self.get_category_display()}试卷"

    def get_absolute_url(self) -> str:
        return reverse("admission:exam_paper", args=[self.pk])

    @transition(field=state, source=State.NOT_STARTED, target=State.IN_PROGRESS)
    def start(self) -> None: ...

    @transition(field=state, source=State.IN_PROGRESS, target=State.SUBMITTED)
    def submit(self) -> None: ...

    @transition(
        field=state,
        source=[State.NOT_STARTED, State.IN_PROGRESS, State.SUBMITTED],
        target=State.RECORDED,
    )
    def record(self) -> None: ...


def _register_states() -> None:
    from vasops.core import ui

    ui.register_states(
        {
            ExamSitting.State.SCHEDULED: "waiting",
            ExamSitting.State.PUBLISHED: "done",
            ExamPaper.State.NOT_STARTED: "draft",
            ExamPaper.State.IN_PROGRESS: "action",
            ExamPaper.State.SUBMITTED: "done",
            ExamPaper.State.RECORDED: "done",
        }
    )


_register_states()
