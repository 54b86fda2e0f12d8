"""Settlement tables. Money in integer fen; months are the first day of the month."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from vasops.core.fields import ClockDateTimeField
from vasops.core.models import PlatformReason


class Adjustment(PlatformReason):
    """A change of a partner's net settlement for a month (调整/扣款): refunds charged back,
    penalties, bad debt, accepted disputes, manual corrections. ``amount_fen`` is the signed
    effect on the partner's net: negative deducts, positive credits. Other apps record them through
    ``settlement.actions.record_adjustment``; nothing is ever deleted."""

    class Kind(models.TextChoices):
        REFUND = "refund", _("退费")
        PENALTY = "penalty", _("违约扣款")
        BAD_DEBT = "bad_debt", _("坏账")
        DISPUTE = "dispute", _("争议调整")
        MANUAL = "manual", _("手工调整")

    partner = models.ForeignKey("partners.Partner", on_delete=models.PROTECT, related_name="adjustments")
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.PROTECT, null=True, blank=True, related_name="adjustments"
    )
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    month = models.DateField(_("结算月份"), help_text=_("该月第一天"))
    amount_fen = models.BigIntegerField(_("金额（分）"), help_text=_("负数为扣减，正数为补给合作伙伴"))
    reason = models.TextField(_("原因"))
    source_type = models.CharField(_("来源类型"), max_length=64, blank=True, default="")
    source_id = models.CharField(_("来源编号"), max_length=64, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = ClockDateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("结算调整")
        verbose_name_plural = _("结算调整")
        ordering = ["-month", "-id"]
        indexes = [models.Index(fields=["month", "partner"], name="settlement_adj_month_partner")]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "source_type", "source_id"],
                condition=~models.Q(source_type=""),
                name="settlement_adjustment_one_per_source",
            ),
            models.CheckConstraint(condition=~models.Q(amount_fen=0), name="settlement_adjustment_nonzero"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount_fen / 100:.2f} 元 · {self.month:%Y-%m}"


class RatioVersion(models.Model):
    """A share ratio 分成比例 (basis points of the net the partner receives), valid on the
    business days [valid_from, valid_to). Three levels; for a CDR's business day the most specific
    version in force wins: product > business line of one partner > business line (all partners) >
    contract. Versions of one scope never overlap, and a version is never edited: a change is a new
    version (the open one before it is closed at the new one's first day)."""

    class Level(models.TextChoices):
        CONTRACT = "contract", _("合同（默认）")
        BUSINESS_LINE = "business_line", _("业务线")
        PRODUCT = "product", _("产品")

    level = models.CharField(_("层级"), max_length=16, choices=Level.choices)
    partner = models.ForeignKey(
        "partners.Partner",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("合作伙伴"),
        help_text=_("业务线层级留空表示该业务线全部合作伙伴"),
    )
    business_line = models.ForeignKey(
        "catalog.BusinessLine",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("业务线"),
    )
    product = models.ForeignKey(
        "catalog.Product",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("产品"),
    )
    contract = models.ForeignKey(
        "admission.Contract",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("合同"),
    )
    ratio_bp = models.PositiveIntegerField(_("合作伙伴分成比例（基点）"))
    valid_from = models.DateField(_("生效日"))
    valid_to = models.DateField(_("失效日（不含）"), null=True, blank=True)
    reason = models.TextField(_("原因"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = ClockDateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("分成比例版本")
        verbose_name_plural = _("分成比例版本")
        ordering = ["level", "partner_id", "business_line_id", "product_id", "valid_from"]
        permissions = [("manage_ratios", "维护分成比例和坏账率")]
        constraints = [
            models.CheckConstraint(condition=models.Q(ratio_bp__lte=10000), name="settlement_ratio_bp_range"),
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True) | models.Q(valid_to__gt=models.F("valid_from")),
                name="settlement_ratio_valid_range",
            ),
            models.UniqueConstraint(
                fields=["contract"],
                condition=models.Q(contract__isnull=False),
                name="settlement_ratio_one_per_contract",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()} {self.ratio_bp / 100:.2f}% {self.valid_from}"

    @property
    def percent(self) -> str:
        return f"{self.ratio_bp / 100:.2f}%"


class BadDebtRate(models.Model):
    """坏账率: the share of a business line's gross written off as bad debt in a month (bp)."""

    business_line = models.ForeignKey(
        "catalog.BusinessLine", on_delete=models.PROTECT, related_name="+", verbose_name=_("业务线")
    )
    month = models.DateField(_("结算月份"), help_text=_("该月第一天"))
    rate_bp = models.PositiveIntegerField(_("坏账率（基点）"))
    reason = models.TextField(_("原因"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = ClockDateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("坏账率")
        verbose_name_plural = _("坏账率")
        ordering = ["-month", "business_line_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["business_line", "month"], name="settlement_bad_debt_one_per_month"
            ),
            models.CheckConstraint(
                condition=models.Q(rate_bp__lte=10000), name="settlement_bad_debt_bp_range"
            ),
        ]

    @property
    def percent(self) -> str:
        return f"{self.rate_bp / 100:.2f}%"


class SettlementRun(FSMModelMixin, models.Model):
    """结算批次: one computation of a month, a record of its inputs and results. A computed run is
    never changed (its lines and totals are final); computing the month again is version n+1.
    draft (computing) → computed → approved (a second finance user) → published; a failed
    computation stays a draft with its error and can be restarted; a newer version supersedes
    the computed/approved older ones."""

    class State(models.TextChoices):
        DRAFT = "draft", _("计算中")
        FAILED = "failed", _("计算失败")
        COMPUTED = "computed", _("已计算待审核")
        APPROVED = "approved", _("已审核待发布")
        PUBLISHED = "published", _("已发布")
        SUPERSEDED = "superseded", _("已被新版本取代")

    class Engine(models.TextChoices):
        DUCKDB = "duckdb", _("DuckDB（单机）")
        PYSPARK = "pyspark", _("Spark（分布式）")

    month = models.DateField(_("结算月份"))
    version = models.PositiveIntegerField(_("版本"))
    engine = models.CharField(_("计算引擎"), max_length=16, choices=Engine.choices)
    state = FSMField(_("状态"), max_length=16, choices=State.choices, default=State.DRAFT, protected=True)
    note = models.TextField(_("说明"), blank=True, default="")
    manifest = models.JSONField(_("输入清单"), default=dict, blank=True)
    diff = models.JSONField(_("与上一版本差异"), default=list, blank=True)
    progress = models.PositiveSmallIntegerField(_("进度（%）"), default=0)
    progress_note = models.CharField(_("进度说明"), max_length=200, blank=True, default="")
    error = models.TextField(_("错误"), blank=True, default="")
    claimed_at = models.DateTimeField(null=True, blank=True)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    started_at = ClockDateTimeField(_("发起时间"), auto_now_add=True)
    computed_at = models.DateTimeField(_("计算完成时间"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    durations_ms = models.JSONField(_("耗时（毫秒）"), default=dict, blank=True)
    # totals (integer fen)
    line_count = models.PositiveIntegerField(_("明细行数"), default=0)
    partner_count = models.PositiveIntegerField(_("合作伙伴数"), default=0)
    cdr_count = models.BigIntegerField(_("话单数"), default=0)
    gross_fen = models.BigIntegerField(_("应收（分）"), default=0)
    deductions_fen = models.BigIntegerField(_("扣减与调整（分）"), default=0)
    net_fen = models.BigIntegerField(_("净额（分）"), default=0)
    partner_share_fen = models.BigIntegerField(_("合作伙伴分成（分）"), default=0)
    carrier_share_fen = models.BigIntegerField(_("运营商留存（分）"), default=0)

    class Meta:
        verbose_name = _("结算批次")
        verbose_name_plural = _("结算批次")
        ordering = ["-month", "-version"]
        permissions = [
            ("run_settlement", "发起结算计算"),
            ("approve_settlementrun", "审核结算批次"),
            ("publish_settlementrun", "发布结算批次"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["month", "version"], name="settlement_run_month_version"),
            models.UniqueConstraint(
                fields=["month"], condition=models.Q(state="draft"), name="settlement_run_one_computing"
            ),
            models.UniqueConstraint(
                fields=["month"], condition=models.Q(state="published"), name="settlement_run_one_published"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} v{self.version}"

    def get_absolute_url(self) -> str:
        return reverse("settlement:run_detail", args=[self.pk])

    # --- transitions (only through settlement.actions / the runner) ----------------------
    @transition(field=state, source=[State.DRAFT], target=State.COMPUTED)
    def mark_computed(self) -> None:
        pass

    @transition(field=state, source=[State.DRAFT], target=State.FAILED)
    def mark_failed(self) -> None:
        pass

    @transition(field=state, source=[State.FAILED], target=State.DRAFT)
    def restart(self) -> None:
        pass

    @transition(field=state, source=[State.COMPUTED], target=State.APPROVED)
    def approve(self) -> None:
        pass

    @transition(field=state, source=[State.APPROVED], target=State.PUBLISHED)
    def publish(self) -> None:
        pass

    @transition(field=state, source=[State.COMPUTED, State.APPROVED, State.FAILED], target=State.SUPERSEDED)
    def supersede(self) -> None:
        pass


class SettlementLine(models.Model):
    """One statement line: partner × product × ratio version of a run (a product whose ratio
    changed mid-month has one line per ratio). Product-less adjustments are a line without
    product at the partner's contract ratio. Signed fen: deductions are negative.
    net = gross + refund + bad_debt + penalty + dispute + manual;
    partner_share = net × ratio_bp / 10000 rounded half-up (away from zero) to the fen;
    carrier_share = net − partner_share."""

    run = models.ForeignKey(SettlementRun, on_delete=models.PROTECT, related_name="lines")
    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    product = models.ForeignKey(
        "catalog.Product",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    business_line_id = models.BigIntegerField(null=True, blank=True)
    ratio_version_id = models.BigIntegerField(null=True, blank=True)
    ratio_bp = models.PositiveIntegerField(_("分成比例（基点）"))
    cdr_count = models.BigIntegerField(_("话单数"), default=0)
    per_use_fen = models.BigIntegerField(_("按次（分）"), default=0)
    monthly_fen = models.BigIntegerField(_("包月（分）"), default=0)
    gross_fen = models.BigIntegerField(_("应收（分）"), default=0)
    refund_fen = models.BigIntegerField(_("退费（分）"), default=0)
    bad_debt_fen = models.BigIntegerField(_("坏账（分）"), default=0)
    penalty_fen = models.BigIntegerField(_("违约扣款（分）"), default=0)
    dispute_fen = models.BigIntegerField(_("争议调整（分）"), default=0)
    manual_fen = models.BigIntegerField(_("手工调整（分）"), default=0)
    net_fen = models.BigIntegerField(_("净额（分）"), default=0)
    partner_share_fen = models.BigIntegerField(_("合作伙伴分成（分）"), default=0)
    carrier_share_fen = models.BigIntegerField(_("运营商留存（分）"), default=0)

    class Meta:
        verbose_name = _("结算明细")
        verbose_name_plural = _("结算明细")
        ordering = ["run_id", "partner_id", "product_id", "ratio_version_id"]
        indexes = [models.Index(fields=["run", "partner"], name="settlement_line_run_partner")]

    @property
    def percent(self) -> str:
        return f"{self.ratio_bp / 100:.2f}%"


class Statement(models.Model):
    """结算单: one partner's part of a run, with the bank account in force for the month. Its
    totals are the sums of its lines (never recomputed from a rounded total). Partners see it only
    once the run is published."""

    run = models.ForeignKey(SettlementRun, on_delete=models.PROTECT, related_name="statements")
    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    number = models.CharField(_("结算单号"), max_length=40, unique=True)
    line_count = models.PositiveIntegerField(_("明细行数"), default=0)
    cdr_count = models.BigIntegerField(_("话单数"), default=0)
    gross_fen = models.BigIntegerField(_("应收（分）"), default=0)
    deductions_fen = models.BigIntegerField(_("扣减与调整（分）"), default=0)
    net_fen = models.BigIntegerField(_("净额（分）"), default=0)
    partner_share_fen = models.BigIntegerField(_("合作伙伴分成（分）"), default=0)
    carrier_share_fen = models.BigIntegerField(_("运营商留存（分）"), default=0)
    bank_name = models.CharField(_("开户行"), max_length=100, blank=True, default="")
    account_name = models.CharField(_("户名"), max_length=200, blank=True, default="")
    account_number = models.CharField(_("账号"), max_length=40, blank=True, default="")
    bank_effective_from = models.DateField(_("账户生效日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("结算单")
        verbose_name_plural = _("结算单")
        ordering = ["-run__month", "partner_id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "partner"], name="settlement_statement_one_per_run")
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("settlement:statement_detail", args=[self.pk])


# reconciliation 结算对账 lives in its sub-package; its models belong to this app
from vasops.settlement.reconciliation.models import (  # noqa: E402, F401
    Dispute,
    DisputeEvidence,
    Reconciliation,
    ReconciliationLine,
)
