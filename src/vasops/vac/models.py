"""VAC — subscription and authentication centre: order relations, their history, user blocks,
CRM accounts, usage records (CDRs), the SP-notification outbox and the SP endpoints
(DESIGN.md "VAC", protocols/VAC.md)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from vasops.core.fields import ClockDateTimeField
from vasops.core.models import PlatformReason
from vasops.vac import labels


class Channel(models.TextChoices):
    SMS = "sms", _("短信")
    WAP = "wap", _("WAP")
    IVR = "ivr", _("IVR")
    WEB = "web", _("网站")
    CRM = "crm", _("CRM 营业厅")
    TRUSTED_PORTAL = "trusted_portal", _("可信门户")


LIVE_STATES = ("pending_confirmation", "active")


class Subscription(FSMModelMixin, models.Model):
    """订购关系: user (MSISDN) × product × SP."""

    class State(models.TextChoices):
        PENDING_CONFIRMATION = "pending_confirmation", _("待二次确认")
        ACTIVE = "active", _("已订购")
        UNSUBSCRIBED = "unsubscribed", _("已退订")
        BLOCKED = "blocked", _("已屏蔽")
        DROPPED = "dropped", _("未确认作废")

    msisdn = models.CharField(_("手机号码"), max_length=20)
    # No database FK constraints on the relation and history tables either (see UsageRecord): a CRM
    # batch of 1,000,000 lines spent 52 s of its commit in per-row key-share checks on the same
    # few product/partner rows. Products and partners are never deleted (PROTECT).
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.PROTECT, related_name="subscriptions", db_constraint=False
    )
    partner = models.ForeignKey(
        "partners.Partner",
        on_delete=models.PROTECT,
        related_name="subscriptions",
        db_constraint=False,
        db_index=False,  # (partner, state) below serves every partner lookup
    )
    state = FSMField(
        _("状态"), max_length=24, choices=State.choices, default=State.PENDING_CONFIRMATION, protected=True
    )
    channel = models.CharField(_("订购渠道"), max_length=20, choices=Channel.choices)
    link_id = models.CharField(_("LinkID"), max_length=20, blank=True)
    requested_at = models.DateTimeField(_("申请时间"))
    effective_at = models.DateTimeField(_("生效时间"), null=True, blank=True)
    expiry_at = models.DateTimeField(_("失效时间"), null=True, blank=True)
    last_charged_month = models.CharField(_("最近扣费月份"), max_length=6, blank=True)
    updated_at = ClockDateTimeField(auto_now=True)  # the business clock, as the gateway writes it

    class Meta:
        verbose_name = _("订购关系")
        verbose_name_plural = _("订购关系")
        ordering = ["-id"]
        permissions = [("manage_subscription", "代用户办理订购、退订、屏蔽与销户")]
        constraints = [
            models.UniqueConstraint(
                fields=["msisdn", "product"],
                condition=Q(state__in=LIVE_STATES),
                name="vac_subscription_one_live_per_user_product",
            )
        ]
        indexes = [
            models.Index(fields=["msisdn", "state"]),
            models.Index(fields=["partner", "state"]),
        ]

    def __str__(self) -> str:
        return f"{self.msisdn} × {self.product_id}"

    @property
    def is_live(self) -> bool:
        return self.state in LIVE_STATES

    @transition(field=state, source=State.PENDING_CONFIRMATION, target=State.ACTIVE)
    def confirm(self) -> None: ...

    @transition(field=state, source=State.PENDING_CONFIRMATION, target=State.DROPPED)
    def drop(self) -> None: ...

    @transition(field=state, source=[State.ACTIVE, State.PENDING_CONFIRMATION], target=State.UNSUBSCRIBED)
    def unsubscribe(self) -> None: ...

    @transition(field=state, source=[State.ACTIVE, State.PENDING_CONFIRMATION], target=State.BLOCKED)
    def block(self) -> None: ...


class SubscriptionHistory(models.Model):
    """Append-only log of every change of a subscription."""

    subscription = models.ForeignKey(
        Subscription, on_delete=models.PROTECT, related_name="history", db_constraint=False
    )
    event = models.CharField(_("事件"), max_length=30)
    from_state = models.CharField(max_length=24, blank=True)
    to_state = models.CharField(max_length=24)
    channel = models.CharField(max_length=20, blank=True)
    actor_label = models.CharField(_("操作方"), max_length=150)
    reason = models.CharField(_("原因"), max_length=255, blank=True)
    at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("订购关系变更记录")
        verbose_name_plural = _("订购关系变更记录")
        ordering = ["subscription", "id"]

    # the lookup page's words for the row, in the reader's language
    @property
    def event_label(self) -> str:
        return labels.history_event(self.event)

    @property
    def from_state_label(self) -> str:
        return _state_label(self.from_state)

    @property
    def to_state_label(self) -> str:
        return _state_label(self.to_state)

    @property
    def reason_text(self) -> str:
        return labels.history_reason(self.reason)


def _state_label(state: str) -> str:
    return str(Subscription.State(state).label) if state in Subscription.State.values else state


class UserBlock(models.Model):
    """屏蔽业务能力 (op 7) / 恢复 (op 8) of one user; service_type "00" = every service type."""

    class State(models.TextChoices):
        BLOCKED = "blocked", _("已屏蔽")
        RESTORED = "restored", _("已恢复")

    msisdn = models.CharField(_("手机号码"), max_length=20)
    service_type = models.CharField(_("业务类型"), max_length=2, default="00")
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.BLOCKED)
    blocked_at = models.DateTimeField(_("屏蔽时间"))
    restored_at = models.DateTimeField(_("恢复时间"), null=True, blank=True)
    reason = models.CharField(_("原因"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("用户屏蔽")
        verbose_name_plural = _("用户屏蔽")
        constraints = [
            models.UniqueConstraint(
                fields=["msisdn", "service_type"],
                condition=Q(state="blocked"),
                name="vac_userblock_one_active",
            )
        ]


class ServiceBlock(PlatformReason):
    """业务屏蔽 decided by the carrier (compliance): a product, a partner's business line or a whole
    partner refused by the VAC from the moment the block is committed until it ends (``ends_at``)
    or is lifted. The gateway reads the blocks in force with the product (one cached lookup):
    a blocked product or line answers 2101, a blocked partner 2001 (VAC.md A.9)."""

    class Scope(models.TextChoices):
        PRODUCT = "product", _("产品")
        LINE = "line", _("合作伙伴的业务线")
        PARTNER = "partner", _("整个合作伙伴")

    scope = models.CharField(_("屏蔽范围"), max_length=10, choices=Scope.choices)
    partner = models.ForeignKey("partners.Partner", on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey(
        "catalog.Product", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    business_line = models.ForeignKey(
        "catalog.BusinessLine", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("屏蔽原因"))
    starts_at = models.DateTimeField(_("屏蔽时间"))
    ends_at = models.DateTimeField(_("到期时间"), null=True, blank=True, help_text=_("为空表示直至解除"))
    lifted_at = models.DateTimeField(_("解除时间"), null=True, blank=True)
    lift_reason = models.TextField(_("解除原因"), blank=True)
    source_type = models.CharField(max_length=60, blank=True)
    source_id = models.CharField(max_length=60, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = ClockDateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("业务屏蔽")
        verbose_name_plural = _("业务屏蔽")
        ordering = ["-starts_at", "-id"]
        indexes = [models.Index(fields=["partner", "lifted_at"])]

    def __str__(self) -> str:
        return f"{self.get_scope_display()}屏蔽：{self.partner}"

    @property
    def target_label(self) -> str:
        """What is blocked, in words: the product's or the line's name, or the partner's."""
        if self.product_id is not None and self.product is not None:
            return str(self.product.name)
        if self.business_line_id is not None and self.business_line is not None:
            return str(self.business_line.label)
        return str(self.partner.name)

    def in_force(self, at: Any) -> bool:
        return self.lifted_at is None and self.starts_at <= at and (self.ends_at is None or at < self.ends_at)


class Account(models.Model):
    """The user's account as CRM reports it (开户 / 销户)."""

    class State(models.TextChoices):
        OPEN = "open", _("正常")
        CLOSED = "closed", _("已销户")

    msisdn = models.CharField(_("手机号码"), max_length=20, unique=True)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.OPEN)
    opened_at = models.DateTimeField(_("开户时间"))
    closed_at = models.DateTimeField(_("销户时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("用户帐户")
        verbose_name_plural = _("用户帐户")


class UsageRecord(models.Model):
    """话单 (CDR). ``cdr_id`` is unique; writes are idempotent (ON CONFLICT DO NOTHING).

    The hot path appends thousands of rows a second, so the table carries only the indexes its
    readers use (unique ``cdr_id``; partner × time for settlement and the portal; MSISDN × time
    for customer service) and no database foreign-key constraints: a CDR names the product and
    partner the gateway read from the catalogue, products and partners are never deleted
    (PROTECT), and the per-row key-share lock on the hot partner row cost 20 % of the write rate
    (docs/performance.md)."""

    class Kind(models.TextChoices):
        MONTHLY = "monthly", _("包月")
        PER_USE = "per_use", _("按次")

    # ``B<yyyymmdd>-<device>-<SequenceNumber>`` from the binary interface (up to 51 characters),
    # ``M<relation>-<YYYYMM>`` monthly, ``U<32 hex>`` per use, or the caller's own id (vac.ids)
    cdr_id = models.CharField(_("话单号"), max_length=64)
    msisdn = models.CharField(_("手机号码"), max_length=20)
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    fee_fen = models.PositiveIntegerField(_("费用（分）"))
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    at = models.DateTimeField(_("时间"))
    # the LinkID answered for an on-demand use, so a re-sent request answers the same one
    link_id = models.CharField(_("LinkID"), max_length=20, blank=True, default="", db_default="")

    class Meta:
        verbose_name = _("话单")
        verbose_name_plural = _("话单")
        indexes = [models.Index(fields=["partner", "at"]), models.Index(fields=["msisdn", "at"])]
        # A constraint, not unique=True: no second "varchar_pattern_ops" index nobody reads.
        constraints = [models.UniqueConstraint(fields=["cdr_id"], name="vac_usagerecord_cdr_id_uniq")]


class SpEndpoint(models.Model):
    """Where and how the SP receives orderRelationUpdateNotify (SPOrderUrl + OrderKey)."""

    partner = models.OneToOneField("partners.Partner", on_delete=models.PROTECT, related_name="vac_endpoint")
    url = models.URLField(_("通知地址"), max_length=500)
    order_key = models.CharField(_("OrderKey"), max_length=64, blank=True)
    enabled = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("SP 通知地址")
        verbose_name_plural = _("SP 通知地址")


class NotifyOutbox(models.Model):
    """One SP notification (VAC.md B.3, the 15 fields), delivered at least once.

    Written by the gateway's group commit beside each on-demand CDR; like the CDR table it keeps
    no database foreign-key constraints (see :class:`UsageRecord`) and one index per reader."""

    class State(models.TextChoices):
        PENDING = "pending", _("待发送")
        DELIVERED = "delivered", _("已送达")
        FAILED = "failed", _("发送失败")
        # CRM batch changes reach the SP only in the order-relation sync files (VAC.md B.1, C.1)
        FILE_ONLY = "file_only", _("仅同步文件")

    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    subscription = models.ForeignKey(
        Subscription,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="notifications",
        db_constraint=False,
        db_index=False,  # partial index below: on-demand notifications have none
    )
    record_sequence_id = models.CharField(max_length=18, null=True)
    user_id_type = models.PositiveSmallIntegerField(default=1)
    user_id = models.CharField(max_length=36)
    service_type = models.CharField(max_length=2)
    sp_id = models.CharField(max_length=21)
    product_id = models.CharField(max_length=21)
    update_type = models.PositiveSmallIntegerField()
    update_time = models.CharField(max_length=14)
    update_desc = models.CharField(max_length=100, blank=True)
    link_id = models.CharField(max_length=20, blank=True)
    content = models.CharField(max_length=140, blank=True)
    effective_date = models.CharField(max_length=14, blank=True)
    expire_date = models.CharField(max_length=14, blank=True)
    time_stamp = models.CharField(max_length=10)
    encode_str = models.CharField(max_length=32, blank=True)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试"))
    last_error = models.TextField(_("最近错误"), blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("SP 通知")
        verbose_name_plural = _("SP 通知")
        ordering = ["id"]
        # + on PostgreSQL a BRIN index on created_at (migration 0005) for the sync files' day scans
        indexes = [
            models.Index(fields=["state", "next_attempt_at"]),
            models.Index(
                fields=["subscription"],
                condition=Q(subscription__isnull=False),
                name="vac_outbox_subscription",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["record_sequence_id"], name="vac_notifyoutbox_rsid_uniq")
        ]


class CrmBatchFile(models.Model):
    """A CRM batch order file (VAC.md C.3): received once (sha256, or file name + header sequence),
    applied in committed chunks; ``committed_offset`` is the byte offset after the last committed
    line, so a crash resumes there. The exception (receipt) file is a core Document."""

    class State(models.TextChoices):
        RECEIVED = "received", _("待处理")
        APPLYING = "applying", _("处理中")
        DONE = "done", _("已完成")
        REJECTED = "rejected", _("文件被拒绝")

    name = models.CharField(_("文件名"), max_length=255)
    sequence = models.CharField(_("文件序号"), max_length=4, blank=True)
    sha256 = models.CharField(max_length=64, unique=True)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    source = models.ForeignKey("core.Document", on_delete=models.PROTECT, related_name="+")
    origin = models.CharField(_("来源"), max_length=10, default="upload")  # upload / inbox
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.RECEIVED)
    lines_expected = models.PositiveIntegerField(_("文件头记录数"), default=0)
    lines_total = models.PositiveIntegerField(_("已处理行数"), default=0)
    lines_applied = models.PositiveIntegerField(_("成功行数"), default=0)
    lines_failed = models.PositiveIntegerField(_("异常行数"), default=0)
    committed_offset = models.PositiveBigIntegerField(default=0)
    committed_line = models.PositiveIntegerField(default=0)
    exception_offset = models.PositiveBigIntegerField(default=0)
    file_error = models.CharField(_("文件级错误"), max_length=255, blank=True)
    exception_file = models.ForeignKey(
        "core.Document", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_by = models.ForeignKey(
        "core.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("接收时间"))
    started_at = models.DateTimeField(_("开始处理"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("CRM 批量文件")
        verbose_name_plural = _("CRM 批量文件")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["name", "sequence"], condition=~Q(sequence=""), name="vac_crmbatch_name_sequence"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def progress_percent(self) -> int:
        if self.state in (self.State.DONE, self.State.REJECTED):
            return 100
        if not self.lines_expected:
            return 0
        return min(99, self.lines_total * 100 // self.lines_expected)


class SyncFile(models.Model):
    """An order-relation sync file VAC wrote for an SP (VAC.md C.1): the daily incremental (``add``)
    or the monthly full (``all``) file, one row per physical file, and what the SP's receipt said."""

    class Kind(models.TextChoices):
        ADD = "add", _("增量")
        ALL = "all", _("全量")

    class State(models.TextChoices):
        GENERATED = "generated", _("待回执")
        CONFIRMED = "confirmed", _("已确认")
        REFUSED = "refused", _("被拒绝")
        PARTIAL = "partial", _("部分错误")

    partner = models.ForeignKey("partners.Partner", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("类型"), max_length=3, choices=Kind.choices)
    period = models.DateField(_("数据日期"))  # the day (add) or the first day of the month (all)
    part = models.PositiveIntegerField(_("分卷"), default=1)
    sequence = models.CharField(_("文件序号"), max_length=4)
    name = models.CharField(_("文件名"), max_length=64, unique=True)
    path = models.CharField(_("相对路径"), max_length=255)
    records = models.PositiveIntegerField(_("记录数"))
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    first_record_time = models.CharField(_("首条记录时间"), max_length=14, blank=True)
    last_record_time = models.CharField(_("末条记录时间"), max_length=14, blank=True)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.GENERATED)
    error_code = models.CharField(_("文件级错误码"), max_length=40, blank=True)
    correct_records = models.PositiveIntegerField(_("正确记录数"), null=True, blank=True)
    failing_ids = models.JSONField(_("错误记录流水号"), default=list, blank=True)
    created_at = models.DateTimeField(_("生成时间"))
    receipt_at = models.DateTimeField(_("回执时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("定购关系同步文件")
        verbose_name_plural = _("定购关系同步文件")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["partner", "kind", "period", "part"], name="vac_syncfile_part")
        ]
        indexes = [models.Index(fields=["partner", "created_at"])]

    def __str__(self) -> str:
        return self.name


class SmsMessage(models.Model):
    """A short message VAC sends a user through the SMS gateway (SGIP 1.2 Submit, SGIP.md): the
    double-confirmation request (二次确认), the 0000 self-service list and the answers to the user's
    replies. Queued here and sent by the SGIP client; a gateway that is down leaves the row pending
    and it is retried (nothing lost)."""

    class Kind(models.TextChoices):
        CONFIRM = "confirm", _("二次确认")
        LIST = "list", _("订购查询（0000）")
        REPLY = "reply", _("办理结果")

    class State(models.TextChoices):
        PENDING = "pending", _("待发送")
        SUBMITTED = "submitted", _("已提交短信网关")
        DELIVERED = "delivered", _("已送达")
        UNDELIVERED = "undelivered", _("送达失败")
        FAILED = "failed", _("发送失败")

    msisdn = models.CharField(_("手机号码"), max_length=20)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    text = models.CharField(_("短信内容"), max_length=500)
    # the confirmation asked for (CONFIRM) or the relations listed, in the order numbered (LIST)
    subscription = models.ForeignKey(
        Subscription, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    items = models.JSONField(_("列出的订购关系"), default=list, blank=True)
    state = models.CharField(_("状态"), max_length=12, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试"))
    last_error = models.CharField(_("最近错误"), max_length=255, blank=True)
    # the SGIP sequence number of the Submit ("node-time-counter"), which the Report names
    submit_sequence = models.CharField(max_length=40, blank=True, db_index=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    report_state = models.PositiveSmallIntegerField(_("状态报告"), null=True, blank=True)
    report_error = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"))

    class Meta:
        verbose_name = _("用户短信")
        verbose_name_plural = _("用户短信")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"]),
            models.Index(fields=["msisdn", "kind", "created_at"]),
        ]


class CrmExceptionFile(models.Model):
    """A VAC → CRM exception file (VAC 业务规范 4.1.1.6, VAC.md C.3 [I]): the order-relation changes
    of one day that were made on the VAS side (SMS, WAP, IVR, portals, blocks) and that CRM has not
    heard of in real time, for CRM to reconcile. One row per file; CRM's receipt read back."""

    class State(models.TextChoices):
        GENERATED = "generated", _("待回执")
        CONFIRMED = "confirmed", _("已确认")
        REFUSED = "refused", _("被拒绝")
        PARTIAL = "partial", _("部分错误")

    day = models.DateField(_("数据日期"))
    part = models.PositiveIntegerField(_("分卷"), default=1)
    sequence = models.CharField(_("文件序号"), max_length=4)
    name = models.CharField(_("文件名"), max_length=64, unique=True)
    path = models.CharField(_("相对路径"), max_length=255)
    records = models.PositiveIntegerField(_("记录数"))
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.GENERATED)
    error_code = models.CharField(_("文件级错误码"), max_length=40, blank=True)
    failing_ids = models.JSONField(_("错误记录流水号"), default=list, blank=True)
    created_at = models.DateTimeField(_("生成时间"))
    receipt_at = models.DateTimeField(_("回执时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("VAC 至 CRM 异常文件")
        verbose_name_plural = _("VAC 至 CRM 异常文件")
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["day", "part"], name="vac_crmexceptionfile_part")]

    def __str__(self) -> str:
        return self.name
