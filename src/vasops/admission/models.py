"""Admission (准入): windows, applications and their lifecycle.

The exam (``admission.exam.models``) and the expert review (``admission.review.models``) live in
their sub-packages and are imported at the bottom, so Django sees one app (``admission``: same
app label, same tables, one migration history)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from vasops.catalog.models import BillingMode
from vasops.core.fields import ClockDateTimeField


class AdmissionSettings(models.Model):
    """Singleton (pk=1): which months are acceptance months. Default: first month of each quarter."""

    acceptance_months = models.CharField(
        _("受理月份"), max_length=40, default="1,4,7,10", help_text=_("逗号分隔的月份，例如 1,4,7,10")
    )
    updated_at = ClockDateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("准入设置")
        verbose_name_plural = _("准入设置")
        permissions = [("manage_admission_settings", "维护准入受理月份")]

    def months(self) -> list[int]:
        return sorted({int(m) for m in self.acceptance_months.split(",") if m.strip()})

    @classmethod
    def current(cls) -> AdmissionSettings:
        obj, _created = cls.objects.get_or_create(pk=1)
        return obj


class AccessMethod(models.TextChoices):
    LEASED_LINE = "leased_line", _("专线")
    VPN = "vpn", _("VPN")


class Application(FSMModelMixin, models.Model):
    """One admission application of a partner in one acceptance month."""

    class State(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("已提交待初审")
        RETURNED = "returned", _("退回修改")
        INITIAL_REJECTED = "initial_rejected", _("初审不通过")
        INITIAL_APPROVED = "initial_approved", _("初审通过待考核")
        EXAM_PASSED = "exam_passed", _("考核通过待评审")
        EXAM_FAILED = "exam_failed", _("考核未通过")
        REVIEW_SCHEDULED = "review_scheduled", _("已安排评审")
        REVIEWED = "reviewed", _("已评审待决定")
        REVIEW_ABSENT = "review_absent", _("未参加评审")
        ACCEPTED = "accepted", _("准入通过")
        DEFERRED = "deferred", _("暂缓")
        REJECTED = "rejected", _("驳回")
        PREPARING = "preparing", _("系统准备中")
        TESTING = "testing", _("接入测试中")
        OPENED = "opened", _("已开通待签约")
        CONTRACTED = "contracted", _("已签约")
        WITHDRAWN = "withdrawn", _("已撤回")

    number = models.CharField(_("申请编号"), max_length=30, unique=True)
    partner = models.ForeignKey("partners.Partner", on_delete=models.PROTECT, related_name="applications")
    window_month = models.DateField(_("受理月份"), help_text=_("受理月的第一天"))
    state = FSMField(_("状态"), max_length=20, choices=State.choices, default=State.DRAFT, protected=True)
    business_lines = models.ManyToManyField(
        "catalog.BusinessLine", blank=True, related_name="+", verbose_name=_("申请业务类别")
    )
    # capability declarations (DESIGN.md "Admission")
    access_method = models.CharField(_("接入方式"), max_length=20, choices=AccessMethod.choices, blank=True)
    certified_om_staff = models.PositiveIntegerField(_("持证运维人员数"), default=0)
    cs_hotline = models.CharField(_("7×24 客服热线"), max_length=20, blank=True)
    call_centre_seats = models.PositiveIntegerField(_("呼叫中心席位数"), default=0)
    call_centre_agents = models.PositiveIntegerField(_("客服人员数"), default=0)
    connect_rate_bp = models.PositiveIntegerField(_("接通率（基点）"), default=0)
    answered_20s_bp = models.PositiveIntegerField(_("20 秒应答率（基点）"), default=0)
    # lifecycle facts
    submitted_at = models.DateTimeField(null=True, blank=True)
    # 第三章 一、1 "请同时提供电子申请以及正式书面申请": the paper application as received
    paper_received_on = models.DateField(_("书面申请收到日期"), null=True, blank=True)
    paper_receiver = models.CharField(_("书面申请接收人"), max_length=50, blank=True)
    review_reason = models.TextField(_("初审意见"), blank=True)
    decision_reason = models.TextField(_("决定理由"), blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    enterprise_code = models.CharField(_("企业代码"), max_length=8, blank=True)
    service_access_number = models.CharField(_("业务接入号"), max_length=21, blank=True)
    prep_month = models.DateField(_("系统准备月份"), null=True, blank=True)
    access_data_due_at = models.DateTimeField(_("接入资料截止"), null=True, blank=True)
    access_data_submitted_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    access_data = models.JSONField(_("接入资料"), default=dict, blank=True)
    opening_data = models.JSONField(_("开通资料（附件5）"), default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = ClockDateTimeField(auto_now_add=True)
    updated_at = ClockDateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("准入申请")
        verbose_name_plural = _("准入申请")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["state", "window_month"]),
            models.Index(fields=["partner", "state"]),
            # the console list's default sort (newest first) and its month filter / choices
            models.Index(fields=["-created_at"], name="admission_app_created_desc"),
            models.Index(fields=["window_month"], name="admission_app_window_month"),
        ]
        permissions = [
            ("review_application", "初审准入申请"),
            ("decide_application", "作出准入决定"),
            ("manage_preparation", "系统准备、接入测试、开通"),
            ("manage_contract", "签订合同"),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("admission:application_detail", args=[self.pk])

    def lines(self) -> list[Any]:
        """The applied business lines (catalog.BusinessLine), in the catalogue's order."""
        return sorted(self.business_lines.all(), key=lambda line: (line.sort_order, line.code))

    def line_codes(self) -> list[str]:
        return [line.code for line in self.lines()]

    def line_labels_lazy(self) -> list[Any]:
        """The lines' names for a notification, each rendered in the recipient's language."""
        return [line.label_lazy for line in self.lines()]

    def line_names(self) -> list[str]:
        return [line.label for line in self.lines()]

    def opening_rows(self) -> list[tuple[str, str]]:
        """(label, value) of the 附件5 opening data recorded when the access was opened."""
        from vasops.admission.rules import OPENING_FIELDS

        data = self.opening_data or {}
        prefix = _("开通资料")
        return [(f"{prefix}·{label}", str(data[key])) for key, label in OPENING_FIELDS if data.get(key)]

    # --- transitions (only ever called through actions.py / core.fsm.transition) -----------
    @transition(field=state, source=[State.DRAFT, State.RETURNED], target=State.SUBMITTED)
    def submit(self) -> None: ...

    @transition(field=state, source=State.SUBMITTED, target=State.RETURNED)
    def return_for_correction(self) -> None: ...

    @transition(field=state, source=State.SUBMITTED, target=State.INITIAL_REJECTED)
    def reject_initial(self) -> None: ...

    @transition(field=state, source=State.SUBMITTED, target=State.INITIAL_APPROVED)
    def approve_initial(self) -> None: ...

    @transition(field=state, source=State.INITIAL_APPROVED, target=State.EXAM_PASSED)
    def pass_exam(self) -> None: ...

    @transition(field=state, source=State.INITIAL_APPROVED, target=State.EXAM_FAILED)
    def fail_exam(self) -> None: ...

    @transition(field=state, source=State.EXAM_PASSED, target=State.REVIEW_SCHEDULED)
    def schedule_review(self) -> None: ...

    @transition(field=state, source=State.REVIEW_SCHEDULED, target=State.REVIEWED)
    def complete_review(self) -> None: ...

    @transition(field=state, source=State.REVIEW_SCHEDULED, target=State.REVIEW_ABSENT)
    def mark_review_absent(self) -> None: ...

    @transition(field=state, source=State.REVIEWED, target=State.ACCEPTED)
    def accept(self) -> None: ...

    @transition(field=state, source=State.REVIEWED, target=State.DEFERRED)
    def defer(self) -> None: ...

    @transition(field=state, source=State.REVIEWED, target=State.REJECTED)
    def reject(self) -> None: ...

    @transition(field=state, source=State.ACCEPTED, target=State.PREPARING)
    def start_preparation(self) -> None: ...

    @transition(field=state, source=State.PREPARING, target=State.TESTING)
    def start_testing(self) -> None: ...

    @transition(field=state, source=State.TESTING, target=State.OPENED)
    def open(self) -> None: ...

    @transition(field=state, source=State.OPENED, target=State.CONTRACTED)
    def sign_contract(self) -> None: ...

    @transition(field=state, source=[State.DRAFT, State.RETURNED, State.SUBMITTED], target=State.WITHDRAWN)
    def withdraw(self) -> None: ...


class ApplicationMaterial(models.Model):
    """One uploaded attachment-1 document; a re-upload of the same kind supersedes the old one."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="materials")
    kind = models.CharField(_("资料类型"), max_length=40)
    document = models.ForeignKey("core.Document", on_delete=models.PROTECT, related_name="+")
    is_current = models.BooleanField(default=True)
    uploaded_at = ClockDateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("申请资料")
        verbose_name_plural = _("申请资料")
        ordering = ["kind", "-uploaded_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "kind"],
                condition=models.Q(is_current=True),
                name="admission_one_current_material_per_kind",
            )
        ]

    def kind_label(self) -> str:
        from vasops.admission.rules import MATERIAL_LABELS

        return MATERIAL_LABELS.get(self.kind, self.kind)


class ApplicationProduct(models.Model):
    """Attachment 2: a product form per business line of the application."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="products")
    business_line = models.ForeignKey(
        "catalog.BusinessLine", on_delete=models.PROTECT, related_name="+", verbose_name=_("业务类别")
    )
    name = models.CharField(_("产品名称"), max_length=100)
    description = models.TextField(_("产品描述"), blank=True)
    fee_fen = models.PositiveIntegerField(_("资费（分）"), default=0)
    billing_mode = models.CharField(_("计费方式"), max_length=20, choices=BillingMode.choices)
    created_at = ClockDateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("申请产品")
        verbose_name_plural = _("申请产品")
        ordering = ["business_line__sort_order", "id"]


class AccessTestResult(models.Model):
    """One run of an attachment-4 test case; retests add rows, the latest counts."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="test_results")
    business_line = models.ForeignKey(
        "catalog.BusinessLine", on_delete=models.PROTECT, related_name="+", verbose_name=_("业务类别")
    )
    case_code = models.CharField(_("测试用例"), max_length=40)
    passed = models.BooleanField(_("通过"))
    note = models.TextField(_("说明"), blank=True)
    tested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    tested_at = ClockDateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("接入测试结果")
        verbose_name_plural = _("接入测试结果")
        ordering = ["-tested_at", "-id"]


class Contract(models.Model):
    """Attachment 8: the signed cooperation contract of an opened application."""

    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="contract")
    term_start = models.DateField(_("合同起始日"))
    term_end = models.DateField(_("合同终止日"))
    settlement_ratio_bp = models.PositiveIntegerField(_("结算比例（基点）"))
    signed_copy = models.ForeignKey("core.Document", on_delete=models.PROTECT, related_name="+")
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signed_at = ClockDateTimeField(auto_now_add=True)
    expiry_reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("合同")
        verbose_name_plural = _("合同")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(settlement_ratio_bp__lte=10000), name="admission_contract_ratio_bp"
            )
        ]


# Exam and expert-review models live in the sub-packages of this app.
from vasops.admission.exam.models import *  # noqa: E402, F403
from vasops.admission.review.models import *  # noqa: E402, F403
