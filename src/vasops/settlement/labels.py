"""Words for settlement's codes (see ``core.vocabulary.code_label``): the stored document kind of a
dispute's evidence, and the keys of its audit rows that are no declared field (``core.history``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

CODE_LABELS = {
    "reconciliation_dispute": _("对账争议证据"),
}

FIELD_LABELS = {
    # reconciliation 结算对账: the upload and the totals of the diff
    "file": _("文件"),
    "files": _("文件"),
    "encoding": _("文件编码"),
    "detail_file": _("话单明细文件"),
    "detail_rows": _("明细行数"),
    "our_count": _("平台条数"),
    "our_fee_fen": _("平台金额（元）"),
    "their_count": _("合作方条数"),
    "their_fee_fen": _("合作方金额（元）"),
    "status_counts": _("比对结果统计"),
    "uploads": _("上传次数"),
    "month": _("月份"),
    # a dispute: the line it is about
    "reconciliation": _("对账申请"),
    "line": _("对账明细"),
    "day": _("日期"),
    "product_code": _("产品代码"),
    "adjustment": _("结算调整"),
}

# the steps of a run's computation (``SettlementRun.durations_ms``)
DURATION_LABELS = {
    "inputs": _("读取话单导出"),
    "compute": _("计算"),
    "before_write": _("写入明细前累计"),
}
