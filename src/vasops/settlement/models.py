"""Settlement tables. Money in integer fen; months are the first day of the month."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from vasops.core.fields import ClockDateTimeField


class Adjustment(models.Model):
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
