"""Expert review (接入评审) models: expert pool, panels, meetings, score sheets. Imported by models.py."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from vasops.core.fields import ClockDateTimeField

__all__ = [
    "Expert",
    "ExpertConflict",
    "IndicatorGroup",
    "PanelMember",
    "ReviewIndicator",
    "ReviewMeeting",
    "ScoreSheet",
]


class Expert(models.Model):
    """A member of the expert pool 评审专家库, bound to a user in the "expert" group."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="expert_profile"
    )
    name = models.CharField(_("姓名"), max_length=50)
    specialities = models.JSONField(_("专业领域"), default=list, blank=True)
    affiliation = models.CharField(_("所在单位"), max_length=200, blank=True)
    active = models.BooleanField(_("在库"), default=True)
    created_at = ClockDateTimeField(auto_now_add=True)
    updated_at = ClockDateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("评审专家")
        verbose_name_plural = _("专家库")
        ordering = ["name", "id"]
        permissions = [("manage_review", "管理专家与评审会"), ("score_review", "评审打分")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("admission:review_expert_detail", args=[self.pk])

    @property
    def speciality_labels(self) -> list[str]:
        """The specialities as the reader reads them: a shipped business line's name (短信, 流媒体 …)
        in the page's language, anything else as typed."""
        from vasops.catalog.labels import business_line_label

        return [business_line_label(s) for s in self.specialities]


class ExpertConflict(models.Model):
    """An explicit conflict of interest: this expert is never drawn for this partner."""

    expert = models.ForeignKey(Expert, on_delete=models.PROTECT, related_name="conflicts")
    partner = models.ForeignKey("partners.Partner", on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("回避原因"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = ClockDateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("专家回避")
        verbose_name_plural = _("专家回避")
        constraints = [
            models.UniqueConstraint(fields=["expert", "partner"], name="admission_expertconflict_unique")
        ]

    def __str__(self) -> str:
        return f"{self.expert} ↔ {self.partner}"


class IndicatorGroup(models.TextChoices):
    QUALIFICATION = "qualification", _("资格评审")
    BUSINESS = "business", _("业务评审")


class ReviewIndicator(models.Model):
    """A scoring indicator with its weight in basis points (all active weights sum to 10000)."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("指标"), max_length=50)
    group = models.CharField(_("类别"), max_length=20, choices=IndicatorGroup.choices)
    description = models.CharField(_("说明"), max_length=200, blank=True)
    weight_bp = models.PositiveIntegerField(_("权重（基点）"))
    max_score = models.PositiveSmallIntegerField(_("满分"), default=100)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("评审指标")
        verbose_name_plural = _("评审指标")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name


class ReviewMeeting(FSMModelMixin, models.Model):
    """A review meeting of one application, its randomly drawn panel (seed stored) and result."""

    class State(models.TextChoices):
        SCHEDULED = "meeting_scheduled", _("待评审")
        COMPLETED = "meeting_completed", _("已完成")
        ABSENT = "meeting_absent", _("申请方缺席")

    application = models.ForeignKey(
        "admission.Application", on_delete=models.PROTECT, related_name="review_meetings"
    )
    date = models.DateField(_("评审日期"))
    place = models.CharField(_("地点"), max_length=200)
    panel_size = models.PositiveSmallIntegerField(_("评审组人数"))
    seed = models.CharField(_("抽取种子"), max_length=40)
    experts: models.ManyToManyField[Expert, PanelMember] = models.ManyToManyField(
        Expert, through="PanelMember", related_name="meetings"
    )
    weights = models.JSONField(_("权重快照"), default=dict)
    indicator_names = models.JSONField(_("指标名称快照"), default=dict)
    state = FSMField(
        _("状态"),
        max_length=20,
        choices=State.choices,
        default=State.SCHEDULED,
        protected=True,
    )
    attended = models.BooleanField(_("申请方到场"), null=True, blank=True)
    close_reason = models.TextField(_("结束说明"), blank=True)
    aggregate_score = models.DecimalField(
        _("综合得分"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = ClockDateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("评审会")
        verbose_name_plural = _("评审会")
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.application} 评审会 {self.date}"

    def get_absolute_url(self) -> str:
        return reverse("admission:review_meeting_detail", args=[self.pk])

    @transition(field=state, source=State.SCHEDULED, target=State.COMPLETED)
    def complete(self) -> None: ...

    @transition(field=state, source=State.SCHEDULED, target=State.ABSENT)
    def mark_absent(self) -> None: ...


class PanelMember(models.Model):
    """A drawn expert, in draw order."""

    meeting = models.ForeignKey(ReviewMeeting, on_delete=models.PROTECT, related_name="members")
    expert = models.ForeignKey(Expert, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["meeting", "position"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "expert"], name="admission_panelmember_unique")
        ]


class ScoreSheet(FSMModelMixin, models.Model):
    """One expert's scores for one meeting (kept for ever; locked on submission)."""

    class State(models.TextChoices):
        DRAFT = "sheet_draft", _("打分中")
        SUBMITTED = "sheet_submitted", _("已提交")

    meeting = models.ForeignKey(ReviewMeeting, on_delete=models.PROTECT, related_name="sheets")
    expert = models.ForeignKey(Expert, on_delete=models.PROTECT, related_name="sheets")
    scores = models.JSONField(_("各项得分"), default=dict, blank=True)
    comment = models.TextField(_("评语"), blank=True)
    weighted_total = models.DecimalField(_("加权得分"), max_digits=5, decimal_places=2, null=True, blank=True)
    state = FSMField(
        _("状态"),
        max_length=20,
        choices=State.choices,
        default=State.DRAFT,
        protected=True,
    )
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("评分表")
        verbose_name_plural = _("评分表")
        ordering = ["meeting", "expert__name"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "expert"], name="admission_scoresheet_unique")
        ]

    def __str__(self) -> str:
        return f"{self.meeting} · {self.expert}"

    def get_absolute_url(self) -> str:
        return reverse("admission:expert_meeting", args=[self.meeting_id])

    @transition(field=state, source=State.DRAFT, target=State.SUBMITTED)
    def submit(self) -> None: ...


def _register_states() -> None:
    from vasops.core import ui

    ui.register_states(
        {
            ReviewMeeting.State.SCHEDULED: "waiting",
            ReviewMeeting.State.COMPLETED: "done",
            ReviewMeeting.State.ABSENT: "refused",
            ScoreSheet.State.DRAFT: "action",
            ScoreSheet.State.SUBMITTED: "done",
        }
    )


_register_states()
