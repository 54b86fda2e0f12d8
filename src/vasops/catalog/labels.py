"""Words for the catalogue's stored document kinds (see ``core.vocabulary.code_label``)."""

from __future__ import annotations

from typing import Any

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

# the labels the shipped lines' extra fields carry (catalog migration 0002), by the Chinese text
# stored on the line: two lines name ``enter_url`` differently (WAP 入口地址, 播放入口地址)
SHIPPED_EXTRA_FIELD_LABELS = {
    "订购指令": _("订购指令"),
    "退订指令": _("退订指令"),
    "WAP 入口地址": _("WAP 入口地址"),
    "播放入口地址": _("播放入口地址"),
    "入口地址": _("入口地址"),
    "计费地址": _("计费地址"),
    "IVR 接入号码": _("IVR 接入号码"),
    "下载地址": _("下载地址"),
    "定位方式（精/粗）": _("定位方式（精/粗）"),
    "铃音数量": _("铃音数量"),
}


def extra_field_label(spec: dict[str, Any]) -> str:
    """The label of a business line's extra field (附件2) in the page's language: a shipped label
    (still as migration 0002 wrote it) in words of the reader's language; one staff gave the line
    reads as they wrote it."""
    label = str(spec.get("label") or spec["name"])
    shipped = SHIPPED_EXTRA_FIELD_LABELS.get(label)
    return str(shipped) if shipped is not None else label
