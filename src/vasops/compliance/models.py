"""Compliance 违约与信用 (cooperation standard ch. 6–8): the violation catalogue (versioned), violation
records with appeal and decision, credit points and grades per assessment year, periodic
assessments with their scorecards, exits of products and partners. Service blocks 业务屏蔽 live in
the VAC (``vac.ServiceBlock``), which enforces them on the hot path."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from vasops.core.fields import ClockDateTimeField
from vasops.core.marks import gettext_noop
from vasops.core.models import PlatformReason
from vasops.core.notify import Text


class Grade(models.TextChoices):
    """违约等级."""

    GENERAL = "general", _("一般")
    SERIOUS = "serious", _("严重")
    MAJOR = "major", _("重大")


class Consequence(models.TextChoices):
    NONE = "none", _("无")
    BLOCK_PRODUCT = "block_product", _("屏蔽该产品")
    BLOCK_LINE = "block_line", _("屏蔽该合作伙伴的该业务线")
    EXIT_PRODUCT = "exit_product", _("产品退出")
    EXIT_PARTNER = "exit_partner", _("合作伙伴退出（业务类 6 个月禁入）")


class ComplianceSettings(models.Model):
    """The numbers of chapters 6–8 that staff may change (one row, pk = 1)."""

    appeal_working_days = models.PositiveSmallIntegerField(_("申诉期限（工作日）"), default=5)
    start_points = models.PositiveSmallIntegerField(_("年度初始信用积分"), default=100)
    excellent_from = models.PositiveSmallIntegerField(_("“优”最低积分"), default=90)
    good_from = models.PositiveSmallIntegerField(_("“良”最低积分"), default=80)
    pass_from = models.PositiveSmallIntegerField(_("“合格”最低积分"), default=60)
    points_general = models.PositiveSmallIntegerField(_("一般违约扣分（默认）"), default=2)
    points_serious = models.PositiveSmallIntegerField(_("严重违约扣分（默认）"), default=5)
    points_major = models.PositiveSmallIntegerField(_("重大违约扣分（默认）"), default=10)
    blacklist_months = models.PositiveSmallIntegerField(
        _("黑名单期限（月，自最后一次不良记录起）"), default=6
    )
    class_ban_months = models.PositiveSmallIntegerField(_("退出业务类禁入期限（月）"), default=6)
    assessment_pass_score = models.PositiveSmallIntegerField(_("考核合格分"), default=60)
    assessment_fail_points = models.PositiveSmallIntegerField(_("考核不合格扣信用分"), default=5)
    updated_at = ClockDateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("违约与信用参数")
        verbose_name_plural = _("违约与信用参数")


class ViolationType(models.Model):
    """One version of a catalogue entry 违约类型; editing writes a new version (records keep the
    version they were raised under)."""

    code = models.CharField(_("代码"), max_length=30)
    version = models.PositiveIntegerField(_("版本"), default=1)
    is_current = models.BooleanField(_("现行版本"), default=True)
    name = models.CharField(_("名称"), max_length=100)
    description = models.TextField(_("说明"), blank=True)
    grade = models.CharField(_("违约等级"), max_length=10, choices=Grade.choices)
    points = models.PositiveSmallIntegerField(_("扣信用分"))
    penalty_fen = models.PositiveIntegerField(_("违约金（分）"), default=0)
    consequence = models.CharField(
        _("处理措施"), max_length=20, choices=Consequence.choices, default=Consequence.NONE
    )
    is_active = models.BooleanField(_("启用"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = ClockDateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("违约类型")
        verbose_name_plural = _("违约类型")
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="compliance_type_code_version"),
            models.UniqueConstraint(
                fields=["code"], condition=Q(is_current=True), name="compliance_type_one_current"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ViolationRecord(FSMModelMixin, models.Model):
    """违约记录: drafted (by detection, a complaint or staff), raised to the partner, accepted or
    appealed within the appeal window, decided by staff."""

    class State(models.TextChoices):
        DRAFT = "draft", _("待审核草稿")
        RAISED = "raised", _("已通报")
        ACCEPTED = "accepted", _("合作伙伴已确认")
        APPEALED = "appealed", _("申诉中")
        UPHELD = "upheld", _("维持处罚")
        REDUCED = "reduced", _("减轻处罚")
        DISMISSED = "dismissed", _("撤销")
        DISCARDED = "discarded", _("草稿作废")

    number = models.CharField(_("编号"), max_length=20, unique=True)
    partner = models.ForeignKey("partners.Partner", on_delete=models.PROTECT, related_name="violations")
    product = models.ForeignKey(
        "catalog.Product", null=True, blank=True, on_delete=models.PROTECT, related_name="violations"
    )
    violation_type = models.ForeignKey(ViolationType, on_delete=models.PROTECT, related_name="records")
    summary = models.TextField(_("违约事实"))
    evidence = models.JSONField(_("证据数据"), default=dict, blank=True)
    evidence_files = models.ManyToManyField(
        "core.Document", blank=True, related_name="+", verbose_name=_("证据材料")
    )
    source_type = models.CharField(_("来源类型"), max_length=60, blank=True)
    source_id = models.CharField(_("来源编号"), max_length=60, blank=True)
    state = FSMField(_("状态"), max_length=20, choices=State.choices, default=State.DRAFT, protected=True)
    raised_on = models.DateField(_("通报日期"), null=True, blank=True)
    appeal_due = models.DateField(_("申诉截止日"), null=True, blank=True)
    appeal_text = models.TextField(_("申诉理由"), blank=True)
    appeal_files = models.ManyToManyField(
        "core.Document", blank=True, related_name="+", verbose_name=_("申诉材料")
    )
    appealed_at = models.DateTimeField(_("申诉时间"), null=True, blank=True)
    decision_reason = models.TextField(_("裁定理由"), blank=True)
    decided_at = models.DateTimeField(_("裁定时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    points_deducted = models.PositiveSmallIntegerField(_("扣信用分"), default=0)
    penalty_fen = models.PositiveIntegerField(_("违约金（分）"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = ClockDateTimeField(auto_now_add=True)
    updated_at = ClockDateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("违约记录")
        verbose_name_plural = _("违约记录")
        ordering = ["-created_at", "-id"]
        permissions = [
            ("draft_violation", "生成违约记录草稿"),
            ("manage_violation", "通报与裁定违约"),
            ("manage_catalogue", "维护违约类型与信用参数"),
            ("block_service", "业务屏蔽与解除"),
            ("manage_assessment", "考核与退出"),
            ("view_compliance", "查看违约、屏蔽与信用"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source_type", "source_id"],
                condition=~Q(source_type=""),
                name="compliance_record_one_per_source",
            )
        ]
        indexes = [models.Index(fields=["partner", "state"])]

    def __str__(self) -> str:
        return f"{self.number} {self.violation_type.name}"

    def get_absolute_url(self) -> str:
        return reverse("compliance:violation_detail", args=[self.pk])

    @property
    def upheld(self) -> bool:
        return self.state in (self.State.UPHELD, self.State.REDUCED)

    # --- transitions (only through actions, core.fsm.transition) --------------------------
    @transition(field=state, source=State.DRAFT, target=State.RAISED)
    def raise_(self) -> None: ...

    @transition(field=state, source=State.DRAFT, target=State.DISCARDED)
    def discard(self) -> None: ...

    @transition(field=state, source=State.RAISED, target=State.ACCEPTED)
    def accept(self) -> None: ...

    @transition(field=state, source=State.RAISED, target=State.APPEALED)
    def appeal(self) -> None: ...

    @transition(field=state, source=[State.RAISED, State.ACCEPTED, State.APPEALED], target=State.UPHELD)
    def uphold(self) -> None: ...

    @transition(field=state, source=[State.RAISED, State.ACCEPTED, State.APPEALED], target=State.REDUCED)
    def reduce(self) -> None: ...

    @transition(field=state, source=[State.RAISED, State.ACCEPTED, State.APPEALED], target=State.DISMISSED)
    def dismiss(self) -> None: ...


class CreditAccount(models.Model):
    """A partner's credit points in one assessment year (calendar year)."""

    partner = models.ForeignKey("partners.Partner", on_delete=models.PROTECT, related_name="credit_accounts")
    year = models.PositiveSmallIntegerField(_("考核年度"))
    points = models.IntegerField(_("信用积分"))
    grade = models.CharField(_("信用等级"), max_length=12)
    updated_at = ClockDateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("信用积分")
        verbose_name_plural = _("信用积分")
        ordering = ["-year", "partner"]
        constraints = [
            models.UniqueConstraint(fields=["partner", "year"], name="compliance_credit_one_per_year")
        ]


class CreditEntry(PlatformReason):
    """One change of a credit account (the grade history)."""

    account = models.ForeignKey(CreditAccount, on_delete=models.PROTECT, related_name="entries")
    delta = models.IntegerField(_("变动"))
    points_after = models.IntegerField(_("变动后积分"))
    grade_after = models.CharField(_("变动后等级"), max_length=12)
    reason = models.TextField(_("原因"))
    source_type = models.CharField(max_length=60, blank=True)
    source_id = models.CharField(max_length=60, blank=True)
    on = models.DateField(_("日期"))
    at = ClockDateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("信用积分变动")
        verbose_name_plural = _("信用积分变动")
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "source_type", "source_id"],
                condition=~Q(source_type=""),
                name="compliance_credit_once_per_source",
            )
        ]


ASSESSMENT_NAME = gettext_noop("%(period)s考核 %(start)s–%(end)s")


class Assessment(FSMModelMixin, models.Model):
    """考核: one period's scorecards of every live partner, computed then confirmed by staff."""

    class Period(models.TextChoices):
        MONTH = "month", _("月度")
        QUARTER = "quarter", _("季度")

    class State(models.TextChoices):
        DRAFT = "draft", _("待确认")
        CONFIRMED = "confirmed", _("已确认")

    period_kind = models.CharField(_("周期"), max_length=10, choices=Period.choices)
    period_start = models.DateField(_("开始日期"))
    period_end = models.DateField(_("结束日期"))
    state = FSMField(_("状态"), max_length=20, choices=State.choices, default=State.DRAFT, protected=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    created_at = ClockDateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("考核")
        verbose_name_plural = _("考核")
        ordering = ["-period_start", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["period_kind", "period_start"], name="compliance_assessment_one_per_period"
            )
        ]

    def __str__(self) -> str:
        return str(self.name_text())

    def get_absolute_url(self) -> str:
        return reverse("compliance:assessment_detail", args=[self.pk])

    def name_text(self) -> Text:
        """The assessment's name in the reader's language (also inside an audit reason)."""
        return Text(
            ASSESSMENT_NAME,
            {
                "period": self.Period(self.period_kind).label,
                "start": str(self.period_start),
                "end": str(self.period_end),
            },
        )

    @transition(field=state, source=State.DRAFT, target=State.CONFIRMED)
    def confirm(self) -> None: ...


class Scorecard(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="scorecards")
    partner = models.ForeignKey("partners.Partner", on_delete=models.PROTECT, related_name="+")
    inputs = models.JSONField(_("考核指标"), default=dict)
    score = models.IntegerField(_("得分"))
    rank = models.PositiveIntegerField(_("排名"))

    class Meta:
        verbose_name = _("考核得分")
        verbose_name_plural = _("考核得分")
        ordering = ["rank", "partner"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "partner"], name="compliance_scorecard_once")
        ]


class ExitRecord(PlatformReason):
    """退出: a product or a whole partner, with what it ended."""

    class Kind(models.TextChoices):
        PRODUCT = "product", _("产品退出")
        PARTNER = "partner", _("合作伙伴退出")

    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    partner = models.ForeignKey("partners.Partner", on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey(
        "catalog.Product", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("原因"))
    subscriptions_ended = models.PositiveIntegerField(_("结束的订购关系"), default=0)
    ban_until = models.DateField(_("业务类禁入至"), null=True, blank=True)
    source_type = models.CharField(max_length=60, blank=True)
    source_id = models.CharField(max_length=60, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = ClockDateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("退出记录")
        verbose_name_plural = _("退出记录")
        ordering = ["-created_at", "-id"]


from vasops.compliance.detection.models import *  # noqa: E402, F403  (the sub-packages' tables)
from vasops.compliance.kpi.models import *  # noqa: E402, F403
