from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, FSMField, FSMModelMixin, transition

from vasops.core.fields import ClockDateTimeField
from vasops.core.models import PlatformReason


class PartnerKind(models.TextChoices):
    """第二章 一(五)1–2: the business models — SP and AP meet every basic admission condition,
    a CP only the business licence with its annual inspection and proof of lawful content."""

    SP = "SP", _("SP（服务提供商）")
    AP = "AP", _("AP（应用提供商）")
    CP = "CP", _("CP（内容提供商）")


class Locality(models.TextChoices):
    LOCAL = "local", _("本地")
    OUT_OF_PROVINCE = "out_of_province", _("外省")


class Partner(FSMModelMixin, models.Model):
    class State(models.TextChoices):
        REGISTERED = "registered", _("已注册")
        ADMITTED = "admitted", _("已准入")
        ACTIVE = "active", _("已开通")
        SUSPENDED = "suspended", _("已暂停")
        EXITED = "exited", _("已退出")

    class CreditGrade(models.TextChoices):
        EXCELLENT = "excellent", _("优")
        GOOD = "good", _("良")
        PASS = "pass", _("合格")
        FAIL = "fail", _("不合格")

    name = models.CharField(_("企业名称"), max_length=200, unique=True)
    kind = models.CharField(_("类型"), max_length=2, choices=PartnerKind.choices)
    locality = models.CharField(_("属地"), max_length=20, choices=Locality.choices)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    legal_representative = models.CharField(_("法定代表人"), max_length=50)
    address = models.CharField(_("地址"), max_length=300)
    cs_hotline = models.CharField(_("客服热线"), max_length=20, blank=True)
    state = FSMField(
        _("状态"), max_length=20, choices=State.choices, default=State.REGISTERED, protected=True
    )
    credit_grade = models.CharField(
        _("信用等级"), max_length=12, choices=CreditGrade.choices, default=CreditGrade.PASS
    )
    enterprise_code = models.CharField(_("企业代码"), max_length=8, unique=True, null=True, blank=True)
    service_access_number = models.CharField(
        _("业务接入号"), max_length=21, unique=True, null=True, blank=True
    )
    suspended_reason = models.TextField(_("暂停原因"), blank=True)
    suspended_from = models.CharField(
        _("暂停前状态"), max_length=20, choices=State.choices, blank=True, help_text=_("恢复时回到该状态")
    )
    created_at = ClockDateTimeField(auto_now_add=True)
    updated_at = ClockDateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("合作伙伴")
        verbose_name_plural = _("合作伙伴")
        ordering = ["name"]
        permissions = [
            ("manage_partner", "暂停/恢复合作伙伴"),
            ("manage_restriction", "登记/解除限制"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("partners:detail", args=[self.pk])

    # --- transitions (only through actions.py / core.fsm.transition) ----------------------
    @transition(field=state, source=[State.REGISTERED, State.ADMITTED], target=State.ADMITTED)
    def admit(self) -> None: ...

    @transition(field=state, source=State.ADMITTED, target=State.ACTIVE)
    def activate(self) -> None: ...

    @transition(field=state, source=[State.REGISTERED, State.ADMITTED, State.ACTIVE], target=State.SUSPENDED)
    def suspend(self) -> None:
        self.suspended_from = self.state

    @transition(
        field=state,
        source=State.SUSPENDED,
        target=RETURN_VALUE(State.REGISTERED, State.ADMITTED, State.ACTIVE),  # type: ignore[arg-type]
    )
    def resume(self) -> str:
        previous = self.suspended_from or self.State.REGISTERED
        self.suspended_from = ""
        return previous

    @transition(
        field=state,
        source=[State.REGISTERED, State.ADMITTED, State.ACTIVE, State.SUSPENDED],
        target=State.EXITED,
    )
    def exit(self) -> None: ...


class Membership(models.Model):
    """Binds a user to exactly one partner."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="partner_membership"
    )
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="members")
    is_admin = models.BooleanField(_("管理员"), default=False)
    created_at = ClockDateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("合作伙伴用户")
        verbose_name_plural = _("合作伙伴用户")


class QualificationKind(models.TextChoices):
    VAS_LICENCE = "vas_licence", _("增值电信业务经营许可证")
    CROSS_REGIONAL_LICENCE = "cross_regional_licence", _("跨地区增值电信业务经营许可证")
    PROVINCIAL_FILING = "provincial_filing", _("省通信管理局备案批复")
    BUSINESS_LICENCE = "business_licence", _("营业执照")
    TAX_REGISTRATION = "tax_registration", _("税务登记证")
    BANK_ACCOUNT_PROOF = "bank_account_proof", _("银行开户证明")
    SMS_CODE_CERTIFICATE = "sms_code_certificate", _("短消息代码使用证")
    THIRD_PARTY_CONTENT_LICENCE = "third_party_content_licence", _("第三方资讯使用许可证明")
    CONTENT_SOURCE_PROOF = "content_source_proof", _("内容来源合法证明")


class Qualification(models.Model):
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="qualifications")
    kind = models.CharField(_("资质类型"), max_length=40, choices=QualificationKind.choices)
    number = models.CharField(_("证书编号"), max_length=100)
    issuer = models.CharField(_("发证机关"), max_length=200)
    valid_from = models.DateField(_("有效期自"))
    valid_until = models.DateField(_("有效期至"), null=True, blank=True, help_text=_("长期有效可留空"))
    annual_inspection_date = models.DateField(_("年检日期"), null=True, blank=True)
    document = models.ForeignKey(
        "core.Document", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    is_current = models.BooleanField(default=True)
    created_at = ClockDateTimeField(auto_now_add=True)
    reminded_30_at = models.DateTimeField(null=True, blank=True)
    reminded_7_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("资质证书")
        verbose_name_plural = _("资质证书")
        ordering = ["partner", "kind"]
        # the console home's "expiring within 30 days" card
        indexes = [models.Index(fields=["valid_until"], name="partners_qual_valid_until")]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "kind"],
                condition=models.Q(is_current=True),
                name="one_current_qualification_per_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"

    def get_absolute_url(self) -> str:
        return reverse("partners:qualification", args=[self.pk])


class Contact(models.Model):
    class Role(models.TextChoices):
        BUSINESS = "business", _("业务联系人")
        TECHNICAL = "technical", _("技术联系人")
        CUSTOMER_SERVICE = "customer_service", _("客服联系人")

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="contacts")
    role = models.CharField(_("类型"), max_length=20, choices=Role.choices)
    name = models.CharField(_("姓名"), max_length=50)
    phone = models.CharField(_("电话"), max_length=20)
    email = models.EmailField(_("邮箱"))

    class Meta:
        verbose_name = _("联系人")
        verbose_name_plural = _("联系人")
        constraints = [models.UniqueConstraint(fields=["partner", "role"], name="one_contact_per_role")]


class BankAccount(models.Model):
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="bank_accounts")
    bank_name = models.CharField(_("开户行"), max_length=100)
    account_name = models.CharField(_("户名"), max_length=200)
    account_number = models.CharField(_("账号"), max_length=40)
    effective_from = models.DateField(_("生效日期"))
    is_current = models.BooleanField(default=True)
    created_at = ClockDateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("银行账户")
        verbose_name_plural = _("银行账户")
        constraints = [
            models.UniqueConstraint(
                fields=["partner"], condition=models.Q(is_current=True), name="one_current_bank_account"
            )
        ]


class RestrictionKind(models.TextChoices):
    BLACKLIST = "blacklist", _("黑名单（信用）")
    LOCKOUT = "lockout", _("驳回锁定（3个月）")
    BAN = "ban", _("禁入（考核通过未参加评审，1年）")
    VIOLATION_EXCLUSION = "violation_exclusion", _("违规清退业务类（6个月）")
    MAJOR_VIOLATION = "major_violation", _("重大违规")


class Restriction(PlatformReason):
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="restrictions")
    kind = models.CharField(_("类型"), max_length=30, choices=RestrictionKind.choices)
    business_line = models.CharField(_("业务类别"), max_length=50, blank=True)
    reason = models.TextField(_("原因"))
    source = models.CharField(_("来源"), max_length=200, blank=True)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"), null=True, blank=True, help_text=_("为空表示长期"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = ClockDateTimeField(auto_now_add=True)
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lift_reason = models.TextField(blank=True)

    class Meta:
        verbose_name = _("限制")
        verbose_name_plural = _("限制")
        ordering = ["-starts_on", "-id"]
        indexes = [models.Index(fields=["partner", "kind"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.partner}"

    def get_absolute_url(self) -> str:
        return reverse("partners:detail", args=[self.partner_id]) + "#restrictions"


class ChangeKind(models.TextChoices):
    CONTACTS = "contacts", _("联系人")
    CS_HOTLINE = "cs_hotline", _("客服热线")
    BANK_ACCOUNT = "bank_account", _("银行账户")
    COMPANY = "company", _("企业名称/地址（须附新营业执照）")


class PartnerChangeRequest(FSMModelMixin, models.Model):
    """基本信息变更申请（附件6）: proposed values, a snapshot of the current ones, the review.

    submitted → approved → applied; a bank account needs a second approval by another person
    (approved → second_approved) and is applied from the next settlement period (the first day
    of next month) by ``actions.apply_due_bank_changes``. submitted/approved → returned/rejected."""

    class State(models.TextChoices):
        SUBMITTED = "submitted", _("待审核")
        APPROVED = "approved", _("已初审（待复核）")
        SECOND_APPROVED = "second_approved", _("已复核（待生效）")
        APPLIED = "applied", _("已生效")
        RETURNED = "returned", _("已退回")
        REJECTED = "rejected", _("已驳回")

    number = models.CharField(_("申请编号"), max_length=20, unique=True)
    partner = models.ForeignKey(
        Partner, verbose_name=_("合作伙伴"), on_delete=models.PROTECT, related_name="change_requests"
    )
    kind = models.CharField(_("变更类型"), max_length=20, choices=ChangeKind.choices, db_index=True)
    proposed = models.JSONField(_("变更后"), default=dict)
    current = models.JSONField(_("变更前"), default=dict)
    note = models.TextField(_("变更说明"), blank=True)
    licence_document = models.ForeignKey(
        "core.Document", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    state = FSMField(_("状态"), max_length=20, choices=State.choices, default=State.SUBMITTED, protected=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("申请人"), on_delete=models.PROTECT, related_name="+"
    )
    first_approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("初审人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    first_approved_at = models.DateTimeField(_("初审时间"), null=True, blank=True)
    second_approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("复核人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    second_approved_at = models.DateTimeField(_("复核时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("退回/驳回人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.TextField(_("审核意见/原因"), blank=True)
    effective_from = models.DateField(_("生效日期"), null=True, blank=True)
    bank_account = models.ForeignKey(
        BankAccount, null=True, blank=True, on_delete=models.PROTECT, related_name="change_requests"
    )
    applied_at = models.DateTimeField(_("生效时间"), null=True, blank=True)
    created_at = ClockDateTimeField(_("提交时间"), auto_now_add=True)
    updated_at = ClockDateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("基本信息变更申请")
        verbose_name_plural = _("基本信息变更申请")
        ordering = ["-created_at", "-id"]
        permissions = [("review_change_request", "审核基本信息变更")]
        indexes = [models.Index(fields=["state", "effective_from"])]

    def __str__(self) -> str:
        return f"{self.number} {self.get_kind_display()}"

    def get_absolute_url(self) -> str:
        return reverse("partners:change_detail", args=[self.pk])

    @property
    def needs_second_approval(self) -> bool:
        return self.kind == ChangeKind.BANK_ACCOUNT

    # --- transitions (only through actions.py / core.fsm.transition) ----------------------
    @transition(field=state, source=State.SUBMITTED, target=State.APPROVED)
    def approve(self) -> None: ...

    @transition(field=state, source=State.APPROVED, target=State.SECOND_APPROVED)
    def second_approve(self) -> None: ...

    @transition(field=state, source=[State.APPROVED, State.SECOND_APPROVED], target=State.APPLIED)
    def mark_applied(self) -> None: ...

    @transition(field=state, source=[State.SUBMITTED, State.APPROVED], target=State.RETURNED)
    def send_back(self) -> None: ...

    @transition(field=state, source=[State.SUBMITTED, State.APPROVED], target=State.REJECTED)
    def reject(self) -> None: ...
