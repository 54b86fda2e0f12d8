"""VAC pages. Console: user subscription lookup with unsubscribe on the user's behalf, CRM batch
files (list, upload, progress, exception file). Portal: the partner's subscriptions, its
notification outbox (resend) and its SP endpoint (test notification)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_POST

from vasops.core.clock import SHANGHAI
from vasops.core.errors import DomainError, NotFound
from vasops.core.listing import Column, Filter, ListConfig, ObjectListView, StrOrPromise
from vasops.core.permissions import has
from vasops.core.ui import register_states
from vasops.partners.models import Partner
from vasops.partners.queries import is_partner_admin, partner_of
from vasops.vac import actions, crm, outbox_actions, queries, syncfiles
from vasops.vac.forms import CrmUploadForm, EndpointForm, LookupForm, UnsubscribeForm
from vasops.vac.models import Channel, CrmBatchFile, NotifyOutbox, Subscription, SyncFile
from vasops.vac.permissions import ADD_CRM_BATCH, MANAGE, VIEW, VIEW_CRM_BATCH

register_states(
    {
        "pending_confirmation": "waiting",
        "active": "done",
        "unsubscribed": "draft",
        "blocked": "refused",
        "dropped": "draft",
        "received": "waiting",
        "applying": "action",
        "rejected": "refused",
        "pending": "waiting",
        "delivered": "done",
        "failed": "refused",
        "generated": "waiting",
        "confirmed": "done",
        "refused": "refused",
        "partial": "action",
    }
)

VAC = ("VAC", None)
UPDATE_TYPE_LABELS: dict[int, StrOrPromise] = {
    1: gettext_lazy("订购"),
    2: gettext_lazy("退订"),
    3: gettext_lazy("点播"),
    4: gettext_lazy("关系变更"),
    5: gettext_lazy("号码变更"),
}


def _choices(enum: Any) -> list[tuple[str, Any]]:
    # labels stay lazy: a filter's options are read in the language of each request
    return [(str(v), label) for v, label in enum.choices]


def _staff(request: HttpRequest, perm: str) -> None:
    """Console pages: carrier staff holding ``perm``; a partner user never (403)."""
    if partner_of(request.user) is not None or not has(request.user, perm):
        raise DjangoPermissionDenied


def _my_partner(request: HttpRequest) -> Partner:
    partner = partner_of(request.user)
    if partner is None:
        raise Http404("您的账号未绑定合作伙伴。")
    return partner


# --- console: user subscription lookup --------------------------------------------------------


@login_required
def lookup(request: HttpRequest) -> HttpResponse:
    _staff(request, VIEW)
    form = LookupForm(request.GET or None)
    ctx: dict[str, Any] = {
        "form": form,
        "title": gettext("用户订购查询"),
        "breadcrumbs": [VAC, (gettext("用户订购查询"), None)],
    }
    if form.is_valid():
        msisdn = form.cleaned_data["msisdn"]
        ctx.update(
            msisdn=msisdn,
            subscriptions=queries.lookup(request.user, msisdn),
            status=queries.user_status(msisdn),
            can_manage=has(request.user, MANAGE),
            unsubscribe_form=UnsubscribeForm(),
        )
    return render(request, "vac/lookup.html", ctx, status=400 if form.errors else 200)


@login_required
@require_POST
def staff_unsubscribe(request: HttpRequest, pk: int) -> HttpResponse:
    _staff(request, VIEW)
    sub = queries.subscriptions(request.user).filter(pk=pk).first()
    if sub is None:
        raise Http404
    back = reverse("vac:lookup") + f"?msisdn={sub.msisdn}"
    form = UnsubscribeForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("请填写退订原因。"))
        return redirect(back)
    try:
        actions.unsubscribe(
            actor=request.user, msisdn=sub.msisdn, product=sub.product, reason=form.cleaned_data["reason"]
        )
    except DomainError as exc:
        messages.error(request, exc.full_message)
    else:
        messages.success(
            request,
            gettext("已为用户 %(msisdn)s 退订“%(name)s”。")
            % {"msisdn": sub.msisdn, "name": sub.product.name},
        )
    return redirect(back)


# --- console: CRM batch files ------------------------------------------------------------------


@method_decorator(login_required, name="dispatch")
class CrmBatchListView(ObjectListView):
    title = gettext_lazy("CRM 批量文件")
    export_name = "crm-batches"
    empty_text = gettext_lazy(
        "还没有 CRM 批量文件。CRM 通过 FTP 放入收件目录的文件由后台任务接收；也可以在这里上传。"
    )
    config = ListConfig(
        columns=[
            Column("name", gettext_lazy("文件名"), link=True, sort="name"),
            Column("sequence", gettext_lazy("文件序号")),
            Column("origin", gettext_lazy("来源")),
            Column("state", gettext_lazy("状态"), sort="state", badge=True),
            Column("lines_total", gettext_lazy("已处理行数"), sort="lines_total"),
            Column("lines_applied", gettext_lazy("成功"), sort="lines_applied"),
            Column("lines_failed", gettext_lazy("异常"), sort="lines_failed"),
            Column("progress", gettext_lazy("进度"), accessor=lambda b: f"{b.progress_percent}%"),
            Column("created_at", gettext_lazy("接收时间"), sort="created_at"),
            Column("finished_at", gettext_lazy("完成时间"), sort="finished_at"),
        ],
        filters=[Filter("state", gettext_lazy("状态"), _choices(CrmBatchFile.State))],
        search_fields=["name", "sha256"],
        default_sort="-id",
    )

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated:
            _staff(request, VIEW_CRM_BATCH)
        return super().dispatch(request, *args, **kwargs)

    def get_base_queryset(self) -> QuerySet[CrmBatchFile]:
        return queries.crm_batches(self.request.user)

    def detail_url(self, obj: Any) -> str | None:
        return reverse("vac:crm_batch", args=[obj.pk])

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        if has(self.request.user, ADD_CRM_BATCH):
            self.create_url = (gettext("上传批量文件"), reverse("vac:crm_upload"))
        ctx = super().get_context_data(**kwargs)
        ctx["breadcrumbs"] = [VAC, ("CRM 批量文件", None)]
        return ctx


@login_required
def crm_upload(request: HttpRequest) -> HttpResponse:
    _staff(request, ADD_CRM_BATCH)
    form = CrmUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        limit = getattr(settings, "VASOPS_CRM_MAX_UPLOAD_BYTES", 1024**3)
        if upload.size > limit:
            form.add_error("file", f"文件超过 {limit // 1024**2} MB，请由 CRM 放入收件目录。")
        else:
            batch, created = crm.ingest(upload, name=upload.name or "crm.txt", actor=request.user)
            if not created:
                messages.info(
                    request,
                    f"该文件已于 {batch.created_at.astimezone(SHANGHAI):%Y-%m-%d %H:%M} 接收过"
                    f"（{batch.name}），不会重复处理。",
                )
            elif batch.size <= getattr(settings, "VASOPS_CRM_INLINE_BYTES", 2 * 1024**2):
                batch = crm.apply(batch)
                messages.success(
                    request, f"已处理：成功 {batch.lines_applied} 行，异常 {batch.lines_failed} 行。"
                )
            else:
                messages.success(
                    request, gettext("已接收，后台任务（crm_batches 命令）正在处理，本页会显示进度。")
                )
            return redirect("vac:crm_batch", pk=batch.pk)
    return render(
        request,
        "vac/crm_upload.html",
        {
            "form": form,
            "title": gettext("上传 CRM 批量文件"),
            "breadcrumbs": [
                VAC,
                (gettext("CRM 批量文件"), reverse("vac:crm_batches")),
                (gettext("上传"), None),
            ],
        },
        status=400 if form.errors else 200,
    )


def _batch(request: HttpRequest, pk: int) -> CrmBatchFile:
    _staff(request, VIEW_CRM_BATCH)
    batch = queries.crm_batches(request.user).filter(pk=pk).first()
    if batch is None:
        raise Http404
    return batch


@login_required
def crm_batch(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    return render(
        request,
        "vac/crm_batch.html",
        {
            "batch": batch,
            "title": batch.name,
            "breadcrumbs": [VAC, (gettext("CRM 批量文件"), reverse("vac:crm_batches")), (batch.name, None)],
        },
    )


@login_required
def crm_batch_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The htmx-polled progress card (stops polling once the file is done)."""
    return render(request, "vac/_crm_progress.html", {"batch": _batch(request, pk)})


@login_required
def crm_exception_file(request: HttpRequest, pk: int) -> HttpResponseBase:
    batch = _batch(request, pk)
    doc = batch.exception_file
    if doc is None:
        raise Http404("异常文件尚未生成。")
    response = FileResponse(doc.file.open("rb"), content_type="text/plain; charset=gbk")
    response["Content-Disposition"] = f'attachment; filename="{doc.original_name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- order-relation sync files (console and portal) ------------------------------------------


def _failing(f: SyncFile) -> str:
    ids = list(f.failing_ids or [])
    return "、".join(ids[:5]) + (f" 等 {len(ids)} 条" if len(ids) > 5 else "")


def _sync_columns(*, with_partner: bool) -> list[Column]:
    columns = [
        Column("name", gettext("文件名"), link=True, sort="name"),
        Column("kind", gettext("类型"), accessor=lambda f: f.get_kind_display()),
        Column("period", gettext("数据日期"), sort="period"),
        Column("records", gettext("记录数"), sort="records"),
        Column("state", gettext("回执"), sort="state", badge=True),
        Column("error_code", gettext("文件级错误码")),
        Column("failing", gettext("错误记录"), accessor=_failing),
        Column("created_at", gettext("生成时间"), sort="created_at"),
        Column("receipt_at", gettext("回执时间"), sort="receipt_at"),
    ]
    if with_partner:
        columns.insert(1, Column("partner__name", "SP", sort="partner__name"))
    return columns


def _sp_choices() -> list[tuple[str, str]]:
    ids = SyncFile.objects.values("partner_id").distinct()
    return [(str(p.pk), p.name) for p in Partner.objects.filter(pk__in=ids).order_by("name")]


_SYNC_FILTERS = [
    Filter("kind", gettext_lazy("类型"), _choices(SyncFile.Kind)),
    Filter("state", gettext_lazy("回执"), _choices(SyncFile.State)),
]


@method_decorator(login_required, name="dispatch")
class SyncFileListView(ObjectListView):
    title = gettext_lazy("定购关系同步文件")
    export_name = "order-sync-files"
    empty_text = gettext_lazy(
        "还没有生成同步文件。后台任务每天 01:00 后生成前一天的增量文件，每月 1 日 02:00 后生成全量文件。"
    )
    config = ListConfig(
        columns=_sync_columns(with_partner=True),
        filters=[Filter("partner", "SP", _sp_choices), *_SYNC_FILTERS],
        search_fields=["name", "partner__name", "partner__enterprise_code"],
        default_sort="-id",
    )

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated:
            _staff(request, VIEW)
        return super().dispatch(request, *args, **kwargs)

    def get_base_queryset(self) -> QuerySet[SyncFile]:
        return syncfiles.visible_files(self.request.user)

    def detail_url(self, obj: Any) -> str | None:
        return reverse("vac:sync_file_download", args=[obj.pk])

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        ctx["breadcrumbs"] = [VAC, ("定购关系同步文件", None)]
        return ctx


@login_required
def sync_file_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The file as the SP fetches it (staff: any SP's; a partner user: only its own, else 404)."""
    row = syncfiles.visible_files(request.user).filter(pk=pk).first()
    if row is None:
        raise Http404
    path = syncfiles.file_path(row)
    if not path.is_file():
        raise Http404("文件已不在同步目录中。")
    response = FileResponse(path.open("rb"), content_type="text/plain; charset=gbk")
    response["Content-Disposition"] = f'attachment; filename="{row.name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- portal ----------------------------------------------------------------------------------


class _PortalList(ObjectListView):
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated:
            _my_partner(request)
        return super().dispatch(request, *args, **kwargs)


@method_decorator(login_required, name="dispatch")
class PortalSubscriptionListView(_PortalList):
    title = gettext_lazy("订购关系")
    export_name = "subscriptions"
    empty_text = gettext_lazy("还没有用户订购贵公司的产品。产品上线后，用户的订购与退订会显示在这里。")
    config = ListConfig(
        columns=[
            Column("msisdn", gettext_lazy("手机号码"), sort="msisdn"),
            Column("product__name", gettext_lazy("产品"), sort="product__name"),
            Column("product__product_code", gettext_lazy("产品代码")),
            Column("state", gettext_lazy("状态"), sort="state", badge=True),
            Column("channel", gettext_lazy("订购渠道"), sort="channel"),
            Column("requested_at", gettext_lazy("申请时间"), sort="requested_at"),
            Column("effective_at", gettext_lazy("生效时间"), sort="effective_at"),
            Column("expiry_at", gettext_lazy("失效时间"), sort="expiry_at"),
        ],
        filters=[
            Filter("state", gettext_lazy("状态"), _choices(Subscription.State)),
            Filter("channel", gettext_lazy("渠道"), _choices(Channel)),
        ],
        search_fields=["msisdn", "product__name", "product__product_code"],
        default_sort="-id",
    )

    def get_base_queryset(self) -> QuerySet[Subscription]:
        return queries.subscriptions(self.request.user)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        ctx["breadcrumbs"] = [VAC, ("订购关系", None)]
        return ctx


@method_decorator(login_required, name="dispatch")
class PortalNotificationListView(_PortalList):
    title = gettext_lazy("通知投递")
    export_name = "notifications"
    empty_text = gettext_lazy("还没有发给贵公司的订购关系通知。请先在“通知地址”配置接收地址。")
    config = ListConfig(
        columns=[
            Column("record_sequence_id", gettext_lazy("流水号"), link=True, sort="record_sequence_id"),
            Column("user_id", gettext_lazy("用户")),
            Column("product_id", gettext_lazy("产品代码")),
            Column(
                "update_type",
                gettext_lazy("类型"),
                accessor=lambda n: UPDATE_TYPE_LABELS.get(n.update_type, n.update_type),
            ),
            Column("state", gettext_lazy("状态"), sort="state", badge=True),
            Column("attempts", gettext_lazy("尝试次数"), sort="attempts"),
            Column("next_attempt_at", gettext_lazy("下次尝试"), sort="next_attempt_at"),
            Column("last_error", gettext_lazy("最近错误"), accessor=lambda n: n.last_error[:80]),
            Column("created_at", gettext_lazy("产生时间"), sort="created_at"),
        ],
        filters=[Filter("state", gettext_lazy("状态"), _choices(NotifyOutbox.State))],
        search_fields=["user_id", "product_id", "record_sequence_id"],
        default_sort="-id",
    )

    def get_base_queryset(self) -> QuerySet[NotifyOutbox]:
        return queries.notifications(self.request.user)

    def detail_url(self, obj: Any) -> str | None:
        return reverse("vac:portal_notification", args=[obj.pk])

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        ctx["breadcrumbs"] = [VAC, ("通知投递", None)]
        return ctx


def _notification(request: HttpRequest, pk: int) -> NotifyOutbox:
    row = queries.notifications(request.user).filter(pk=pk).first()
    if row is None:
        raise Http404
    return row


@login_required
def notification(request: HttpRequest, pk: int) -> HttpResponse:
    row = _notification(request, pk)
    return render(
        request,
        "vac/notification.html",
        {
            "n": row,
            "update_type": UPDATE_TYPE_LABELS.get(row.update_type, row.update_type),
            "title": gettext("通知 %(number)s") % {"number": row.record_sequence_id},
            "breadcrumbs": [
                VAC,
                (gettext("通知投递"), reverse("vac:portal_notifications")),
                (row.record_sequence_id, None),
            ],
        },
    )


@login_required
@require_POST
def resend(request: HttpRequest, pk: int) -> HttpResponse:
    row = _notification(request, pk)
    try:
        outbox_actions.resend_notification(actor=request.user, notification=row)
    except (DomainError, NotFound) as exc:
        messages.error(request, exc.full_message)
    else:
        messages.success(request, gettext("已重新排队，将在下一轮投递时发送。"))
    return redirect("vac:portal_notification", pk=pk)


@login_required
def endpoint(request: HttpRequest) -> HttpResponse:
    partner = _my_partner(request)
    current = queries.endpoint_of(partner)
    can_edit = is_partner_admin(request.user, partner)
    initial = (
        {"url": current.url, "order_key": current.order_key, "enabled": current.enabled} if current else {}
    )
    form = EndpointForm(
        request.POST if request.method == "POST" and "save" in request.POST else None, initial=initial
    )
    test_result = None
    status = 200
    if request.method == "POST" and "save" in request.POST:
        if not can_edit:
            raise DjangoPermissionDenied
        if form.is_valid():
            d = form.cleaned_data
            try:
                outbox_actions.save_endpoint(
                    actor=request.user,
                    partner=partner,
                    url=d["url"],
                    order_key=d["order_key"],
                    enabled=d["enabled"],
                )
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.full_message)
            else:
                messages.success(request, gettext("通知地址已保存。"))
                return redirect("vac:portal_endpoint")
        status = 400
    elif request.method == "POST" and "test" in request.POST:
        try:
            test_result = outbox_actions.send_test_notification(actor=request.user, partner=partner)
        except DomainError as exc:
            messages.error(request, exc.full_message)
    return render(
        request,
        "vac/endpoint.html",
        {
            "form": form,
            "endpoint": current,
            "can_edit": can_edit,
            "test_result": test_result,
            "title": gettext("通知地址"),
            "breadcrumbs": [VAC, (gettext("通知地址"), None)],
        },
        status=status,
    )


@method_decorator(login_required, name="dispatch")
class PortalSyncFileListView(_PortalList):
    title = gettext_lazy("同步文件")
    export_name = "order-sync-files"
    empty_text = gettext_lazy(
        "还没有发给贵公司的定购关系同步文件。增量文件每天 01:00 后生成，全量文件每月 1 日生成。"
    )
    config = ListConfig(
        columns=_sync_columns(with_partner=False),
        filters=_SYNC_FILTERS,
        search_fields=["name"],
        default_sort="-id",
    )

    def get_base_queryset(self) -> QuerySet[SyncFile]:
        return syncfiles.visible_files(self.request.user)

    def detail_url(self, obj: Any) -> str | None:
        return reverse("vac:portal_sync_file_download", args=[obj.pk])

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        ctx["breadcrumbs"] = [VAC, ("同步文件", None)]
        return ctx
