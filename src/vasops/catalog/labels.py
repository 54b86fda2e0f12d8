"""Words for the catalogue's stored document kinds (see ``core.vocabulary.code_label``)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext, gettext_lazy
from django.utils.translation import gettext_lazy as _

from vasops.core.marks import gettext_noop

CODE_LABELS = {
    "product_new": _("产品申请材料"),
    "product_change": _("产品变更材料"),
    "fee_change_notice": _("资费变更通知"),
}
# the extra fields of the shipped business lines' attachment-2 forms (catalog migration 0002), by
# name; a line's own ``extra_fields`` labels come first where a page has the line at hand
SHIPPED_EXTRA_FIELDS = {
    "order_cmd": gettext_noop("订购指令"),
    "cancel_cmd": gettext_noop("退订指令"),
    "enter_url": gettext_noop("入口地址"),
    "price_url": gettext_noop("计费地址"),
    "ivr_number": gettext_noop("IVR 接入号码"),
    "download_url": gettext_noop("下载地址"),
    "location_type": gettext_noop("定位方式（精/粗）"),
    "ring_count": gettext_noop("铃音数量"),
}
CODE_LABELS.update({name: _(word) for name, word in SHIPPED_EXTRA_FIELDS.items()})
# the labels migration 0002 stored on the lines: the words above, and two lines' own names for
# ``enter_url``
SHIPPED_EXTRA_FIELD_LABELS = frozenset(
    {*SHIPPED_EXTRA_FIELDS.values(), gettext_noop("WAP 入口地址"), gettext_noop("播放入口地址")}
)

# the names migration 0002 gave the shipped business lines: a page shows them in words of the
# reader's language (``BusinessLine.label``); a line staff added reads as they named it
SHIPPED_BUSINESS_LINE_NAMES = frozenset(
    {
        gettext_noop("短信"),
        gettext_noop("彩信"),
        "WAP",
        "IVR",
        "KJava",
        gettext_noop("流媒体"),
        gettext_noop("定位"),
        gettext_noop("炫铃"),
    }
)


def business_line_label(name: str) -> str:
    """A business line's name in the page's language: a shipped name (as migration 0002 wrote it)
    in words of the reader's language; a name staff gave reads as they wrote it."""
    return gettext(name) if name in SHIPPED_BUSINESS_LINE_NAMES else name


def line_label_of(obj: Any) -> str | None:
    """The business line of a row (a block, a pool, a ratio …) in the reader's language, for a
    list column sorted and searched by the stored name; None for a row without one."""
    line = obj.business_line
    return business_line_label(line.name) if line is not None else None


def business_line_label_lazy(name: str) -> Any:
    """``business_line_label`` rendered later (a notification each recipient reads in their own
    language): a lazy text for a shipped name, the name as it is for a staff one."""
    return gettext_lazy(name) if name in SHIPPED_BUSINESS_LINE_NAMES else name


def extra_field_label(spec: dict[str, Any]) -> str:
    """The label of a business line's extra field (附件2) in the page's language: a shipped label
    (still as migration 0002 wrote it) in words of the reader's language; one staff gave the line
    reads as they wrote it."""
    label = str(spec.get("label") or spec["name"])
    return gettext(label) if label in SHIPPED_EXTRA_FIELD_LABELS else label
