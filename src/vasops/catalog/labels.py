"""Words for the catalogue's stored document kinds (see ``core.vocabulary.code_label``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

CODE_LABELS = {
    "product_new": _("产品申请材料"),
    "product_change": _("产品变更材料"),
    "fee_change_notice": _("资费变更通知"),
}
# the extra fields of the shipped business lines' attachment-2 forms (catalog migration 0002);
# a line's own ``extra_fields`` labels come first where a page has the line at hand
CODE_LABELS.update(
    {
        "order_cmd": _("订购指令"),
        "cancel_cmd": _("退订指令"),
        "enter_url": _("入口地址"),
        "price_url": _("计费地址"),
        "ivr_number": _("IVR 接入号码"),
        "download_url": _("下载地址"),
        "location_type": _("定位方式（精/粗）"),
        "ring_count": _("铃音数量"),
    }
)
