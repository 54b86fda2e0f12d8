"""Product catalogue: business lines, products, their price/description versions, product-new
test checklists and product-change requests (seed 3.2–3.4, PRM.md §3, §4.6)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from vasops.catalog.labels import business_line_label, business_line_label_lazy
from vasops.core.fields import ClockDateTimeField
from vasops.core.models import PlatformReason


class BusinessLine(models.Model):
    """业务线: SMS, MMS, WAP, IVR … managed by staff; a product belongs to one."""

    code = models.CharField(_("代码"), max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    service_type = models.CharField(
        _("业务类型代码"), max_length=2, help_text=_("PRM 附录 A2 的 2 位业务类型代码，如短信 90")
    )
    vas_systems = models.JSONField(
        _("涉及的增值业务系统"),
        default=list,
        blank=True,
        help_text=_("审核通过后向这些系统各发一张数据修改工单"),
    )
    extra_fields = models.JSONField(
        _("申报表附加字段"),
        default=list,
        blank=True,
        help_text=_(
            '附件2 中该业务线表格的附加项：[{"name": "order_cmd", "label": "订购指令", "required": true}]'
        ),
    )
    needs_channel = models.BooleanField(
        _("需要通道"),
        default=False,
        help_text=_("该业务线的产品提交审核时占用本业务线“通道配额”资源池的 1 个通道"),
    )
    is_active = models.BooleanField(_("启用"), default=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("业务线")
        verbose_name_plural = _("业务线")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The line's name in the reader's language (a shipped name translated, a staff one as
        typed); ``name`` stays the stored key that searches and matching use."""
        return business_line_label(self.name)

    @property
    def label_lazy(self) -> Any:
        """``label`` for a notification: rendered in each recipient's language."""
        return business_line_label_lazy(self.name)


class ProductType(models.TextChoices):
    ENTERTAINMENT = "entertainment", _("娱乐")
    INFORMATION = "information", _("资讯")
    MEDIA_INTERACTION = "media_interaction", _("媒体互动")


class BillingMode(models.TextChoices):
    MONTHLY = "monthly", _("包月")
    PER_ITEM = "per_item", _("按条")
    PER_USE = "per_use", _("按次")
    FREE = "free", _("免费")
    CAPPED = "capped", _("封顶")


class UnicomProductStatus(models.TextChoices):
    """PRM A.10 product status, kept verbatim."""

    APPROVED = "1", _("1 审核通过")
    PRE_PUBLISHED = "2", _("2 预发布，待测试")
    PUBLISHED = "3", _("3 发布")
    IN_FORCE = "4", _("4 生效")
    PAUSED_COLLECTION = "5", _("5 暂停代收费")
    PAUSED_PORT = "6", _("6 暂停端口")
    OFFLINE = "7", _("7 下线")


class Product(FSMModelMixin, models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("待审核")
        APPROVED = "approved", _("审核通过")
        CONFIGURING = "configuring", _("数据制作中")
        TESTING = "testing", _("测试中")
        ACTIVE = "active", _("已上线")
        SUSPENDED = "suspended", _("已暂停")
        RETIRED = "retired", _("已下线")
        REJECTED = "rejected", _("已驳回")

    partner = models.ForeignKey("partners.Partner", on_delete=models.PROTECT, related_name="products")
    business_line = models.ForeignKey(BusinessLine, on_delete=models.PROTECT, related_name="products")
    name = models.CharField(_("产品名称"), max_length=255)
    access_number = models.CharField(_("业务接入号"), max_length=21)
    product_code = models.CharField(
        _("产品代码"),
        max_length=10,
        unique=True,
        null=True,
        blank=True,
        help_text=_("10 位：8 位业务代码 + 2 位序号"),
    )
    description = models.TextField(_("产品描述"))
    product_type = models.CharField(_("产品类型"), max_length=20, choices=ProductType.choices)
    fee_fen = models.PositiveIntegerField(_("资费（分）"))
    billing_mode = models.CharField(_("计费方式"), max_length=10, choices=BillingMode.choices)
    details = models.JSONField(_("业务线附加信息"), default=dict, blank=True)
    materials = models.ManyToManyField(
        "core.Document", blank=True, related_name="+", verbose_name=_("申报材料")
    )
    state = FSMField(_("状态"), max_length=20, choices=State.choices, default=State.DRAFT, protected=True)
    unicom_status = models.CharField(
        _("联通产品状态"),
        max_length=2,
        choices=UnicomProductStatus.choices,
        blank=True,
        help_text=_("PRM A.10，原样保存"),
    )
    review_reason = models.TextField(_("审核意见"), blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = ClockDateTimeField(auto_now_add=True)
    updated_at = ClockDateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("产品")
        verbose_name_plural = _("产品")
        ordering = ["-id"]
        permissions = [
            ("review_product", "审核产品新增"),
            ("review_change", "审核产品变更"),
            ("manage_product", "产品配置、测试、暂停与下线"),
        ]
        indexes = [
            models.Index(fields=["partner", "state"]),
            models.Index(fields=["state"]),
            # review queue: pending products, oldest submission first (catalog:review_queue)
            models.Index(fields=["state", "submitted_at", "id"], name="catalog_product_queue_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("catalog:product_detail", args=[self.pk])

    # --- transitions (only through actions.py / core.fsm.transition) ----------------------
    @transition(field=state, source=State.DRAFT, target=State.SUBMITTED)
    def submit(self) -> None: ...

    @transition(field=state, source=State.SUBMITTED, target=State.DRAFT)
    def return_for_revision(self) -> None: ...

    @transition(field=state, source=State.SUBMITTED, target=State.REJECTED)
    def reject(self) -> None: ...

    @transition(field=state, source=State.SUBMITTED, target=State.APPROVED)
    def approve(self) -> None:
        self.unicom_status = UnicomProductStatus.APPROVED

    @transition(field=state, source=State.APPROVED, target=State.CONFIGURING)
    def start_configuration(self) -> None: ...

    @transition(field=state, source=State.CONFIGURING, target=State.TESTING)
    def finish_configuration(self) -> None:
        self.unicom_status = UnicomProductStatus.PRE_PUBLISHED

    @transition(field=state, source=State.TESTING, target=State.CONFIGURING)
    def fail_testing(self) -> None: ...

    @transition(field=state, source=State.TESTING, target=State.ACTIVE)
    def go_live(self) -> None:
        self.unicom_status = UnicomProductStatus.IN_FORCE

    @transition(field=state, source=State.ACTIVE, target=State.SUSPENDED)
    def suspend(self) -> None: ...

    @transition(field=state, source=State.SUSPENDED, target=State.ACTIVE)
    def resume(self) -> None:
        self.unicom_status = UnicomProductStatus.IN_FORCE

    @transition(field=state, source=[State.ACTIVE, State.SUSPENDED], target=State.RETIRED)
    def retire(self) -> None:
        self.unicom_status = UnicomProductStatus.OFFLINE


class ProductVersion(models.Model):
    """Name, description and price valid over [valid_from, valid_to). Never rewritten: a change
    closes the open version at the new one's valid_from and adds a row."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("版本"))
    name = models.CharField(_("产品名称"), max_length=255)
    description = models.TextField(_("产品描述"))
    fee_fen = models.PositiveIntegerField(_("资费（分）"))
    billing_mode = models.CharField(_("计费方式"), max_length=10, choices=BillingMode.choices)
    valid_from = models.DateTimeField(_("生效时间"))
    valid_to = models.DateTimeField(_("失效时间"), null=True, blank=True)
    change_request = models.ForeignKey(
        "ProductChangeRequest", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = ClockDateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("产品版本")
        verbose_name_plural = _("产品版本")
        ordering = ["product", "valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["product", "number"], name="catalog_version_number_unique"),
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True) | models.Q(valid_to__gt=models.F("valid_from")),
                name="catalog_version_period_valid",
            ),
        ]
        indexes = [models.Index(fields=["product", "valid_from"])]

    def __str__(self) -> str:
        return f"{self.product} v{self.number}"


class ProductTestCase(models.Model):
    """One line of the access-test checklist of a new product."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="test_cases")
    name = models.CharField(_("测试项"), max_length=200)
    passed = models.BooleanField(_("结果"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("测试项")
        verbose_name_plural = _("测试项")
        ordering = ["product", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def result_label(self) -> str:
        return str({True: _("通过"), False: _("不通过"), None: _("未测试")}[self.passed])


class ProductChangeRequest(FSMModelMixin, models.Model):
    """产品变更 (attachment 3): new name / description / fee from an effective date."""

    class State(models.TextChoices):
        SUBMITTED = "submitted", _("待审核")
        APPROVED = "approved", _("已批准，待生效")
        RETURNED = "returned", _("已退回")
        REJECTED = "rejected", _("已驳回")
        EFFECTIVE = "effective", _("已生效")

    class ReviewPath(models.TextChoices):
        CHANGE = "change", _("变更审核")
        FULL = "full", _("按产品新增流程审核")

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="change_requests")
    partner = models.ForeignKey("partners.Partner", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("新产品名称"), max_length=255)
    description = models.TextField(_("新产品描述"))
    fee_fen = models.PositiveIntegerField(_("新资费（分）"))
    old_name = models.CharField(_("原产品名称"), max_length=255)
    old_description = models.TextField(_("原产品描述"))
    old_fee_fen = models.PositiveIntegerField(_("原资费（分）"))
    billing_mode = models.CharField(_("计费方式"), max_length=10, choices=BillingMode.choices)
    effective_on = models.DateField(_("生效日期"))
    reason = models.TextField(_("变更原因"), blank=True)
    review_path = models.CharField(_("审核流程"), max_length=10, choices=ReviewPath.choices)
    materials = models.ManyToManyField(
        "core.Document", blank=True, related_name="+", verbose_name=_("申报材料")
    )
    notification_file = models.ForeignKey(
        "core.Document",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("资费变更用户通知文件"),
        help_text=_("生效时生成，供短信平台向订购用户发送资费变更通知"),
    )
    state = FSMField(_("状态"), max_length=20, choices=State.choices, default=State.SUBMITTED, protected=True)
    review_reason = models.TextField(_("审核意见"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = ClockDateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("产品变更申请")
        verbose_name_plural = _("产品变更申请")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.product} 变更（{self.effective_on:%Y-%m-%d} 生效）"

    def get_absolute_url(self) -> str:
        return reverse("catalog:change_detail", args=[self.pk])

    @property
    def needs_full_review(self) -> bool:
        return self.review_path == self.ReviewPath.FULL

    @transition(field=state, source=State.SUBMITTED, target=State.APPROVED)
    def approve(self) -> None: ...

    @transition(field=state, source=State.SUBMITTED, target=State.RETURNED)
    def return_for_revision(self) -> None: ...

    @transition(field=state, source=State.SUBMITTED, target=State.REJECTED)
    def reject(self) -> None: ...

    @transition(field=state, source=State.APPROVED, target=State.EFFECTIVE)
    def take_effect(self) -> None: ...


class ResourcePool(models.Model):
    """资源池 — the one pool model of the platform (DESIGN.md: catalog owns every number, code and
    channel pool). Four kinds:

    * 企业代码 / 业务接入号 (``NUMBER_KINDS``): a number range and/or listed numbers; admission takes
      the next free number at an acceptance decision. ``capacity`` caps how many may be taken
      (0 = every number the pool lists). No business line.
    * 通道配额 / E1 线路: a count per business line (one pool per line and kind); staff allocate
      quantities, a product of a line that needs a channel holds one from its submission.

    Used = allocations not yet released (numbers: one each; channels/E1: their quantities)."""

    class Kind(models.TextChoices):
        ENTERPRISE_CODE = "enterprise_code", _("企业代码")
        SERVICE_ACCESS_NUMBER = "service_access_number", _("业务接入号")
        CHANNEL = "channel", _("通道配额")
        E1 = "e1", _("E1 线路")

    business_line = models.ForeignKey(
        BusinessLine,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="resource_pools",
        help_text=_("通道配额与 E1 线路按业务线配置；企业代码与业务接入号不分业务线"),
    )
    kind = models.CharField(_("资源类型"), max_length=30, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=100)
    range_start = models.CharField(_("号段起"), max_length=21, blank=True)
    range_end = models.CharField(_("号段止"), max_length=21, blank=True)
    explicit_numbers = models.TextField(_("指定号码"), blank=True, help_text=_("逗号或换行分隔"))
    capacity = models.PositiveIntegerField(
        _("容量"),
        default=0,
        help_text=_("通道数 / E1 线路数；号码类：最多可分配的号码数，0 表示号段内全部号码"),
    )
    note = models.CharField(_("说明"), max_length=500, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = ClockDateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("资源池")
        verbose_name_plural = _("资源池")
        ordering = ["kind", "business_line__sort_order", "id"]
        permissions = [("manage_resources", "管理资源池：企业代码、业务接入号、通道配额与 E1 线路")]
        constraints = [
            # NULL business lines (number pools) are distinct: several number pools per kind
            models.UniqueConstraint(fields=["business_line", "kind"], name="catalog_pool_line_kind_unique")
        ]

    def __str__(self) -> str:
        if self.business_line is None:
            return f"{self.get_kind_display()} · {self.name}"
        return f"{self.business_line.label} · {self.get_kind_display()} · {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("catalog:pool_detail", args=[self.pk])

    @property
    def is_number_pool(self) -> bool:
        return self.kind in NUMBER_KINDS


NUMBER_KINDS = frozenset({ResourcePool.Kind.ENTERPRISE_CODE, ResourcePool.Kind.SERVICE_ACCESS_NUMBER})


class ResourceAllocation(PlatformReason):
    """What a pool has given out until released: one enterprise code or service access number
    (``number``), or a quantity of channels / E1 lines held by a partner (and, for a channel taken
    at product submission, by that product). A number is held by one holder at a time: the
    database refuses a second live allocation of the same number of the same kind."""

    pool = models.ForeignKey(ResourcePool, on_delete=models.PROTECT, related_name="allocations")
    kind = models.CharField(_("资源类型"), max_length=30, choices=ResourcePool.Kind.choices)
    number = models.CharField(_("号码"), max_length=21, blank=True)
    partner = models.ForeignKey(
        "partners.Partner", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    product = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.PROTECT, related_name="resource_allocations"
    )
    quantity = models.PositiveIntegerField(_("数量"), default=1)
    reason = models.CharField(_("说明"), max_length=500, blank=True)
    allocated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    allocated_at = ClockDateTimeField(_("分配时间"), auto_now_add=True)
    released_at = models.DateTimeField(_("释放时间"), null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    release_reason = models.CharField(_("释放原因"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("资源分配")
        verbose_name_plural = _("资源分配")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1), name="catalog_allocation_quantity_positive"
            ),
            models.UniqueConstraint(
                fields=["kind", "number"],
                condition=~models.Q(number="") & models.Q(released_at__isnull=True),
                name="catalog_allocation_number_held_once",
            ),
        ]
        indexes = [models.Index(fields=["pool", "released_at"])]

    def __str__(self) -> str:
        if self.number:
            return f"{self.pool} · {self.number}"
        return f"{self.pool} × {self.quantity}"

    @property
    def is_held(self) -> bool:
        return self.released_at is None
