"""Words for compliance's codes (see ``core.vocabulary.code_label``): the stored document kinds,
the assessment inputs, the codes of the violation types and KPIs people keep (their names), the
keys of the audit rows and of a violation's evidence (``core.history``)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

FIELD_LABELS: dict[str, Any] = {
    "violation_type": _("违约类型"),
    "violation_code": _("违约类型"),
    "definition": _("KPI 指标"),
    "ends_on": _("屏蔽至"),
    "scope": _("屏蔽范围"),
    "inputs": _("考核指标"),
    "partners": _("参加考核的合作伙伴数"),
    "failed": _("不合格数"),
    "subscriptions_ended": _("结束的订购关系"),
    "ban_until": _("业务类禁入至"),
    # the evidence of a violation drafted by the detection of unauthorised charging (the figures
    # of the hit, ``detection.metrics``)
    "detection_hit": _("检测疑点编号"),
    "metric": _("检测项"),
    "metric_label": _("检测项"),
    "value": _("检测值"),
    "value_text": _("检测值"),
    "threshold": _("阈值"),
    "sample": _("样本量"),
    "new_untrusted": _("不可信渠道新订购"),
    "unconfirmed": _("未经二次确认"),
    "channels": _("按渠道"),
    "new_subscribers": _("当日新订购用户"),
    "unsubscribed_within": _("窗口内退订"),
    "hours": _("窗口（小时）"),
    "complaints": _("投诉数"),
    "subscribers": _("订购用户数"),
    "month_charges": _("当月新订购的包月扣费笔数"),
    "last_day_charges": _("月末最后一天新订购的扣费笔数"),
    "last_day_fee_fen": _("月末最后一天扣费金额（元）"),
    "charges": _("当日扣费笔数"),
    "fee_fen": _("当日扣费金额（元）"),
    "trailing_charges": _("前 30 天扣费笔数"),
    "trailing_days": _("对比天数"),
    "never_used": _("从未使用的用户"),
    "days": _("统计天数"),
}


def code_labels() -> dict[str, Any]:
    from vasops.compliance import assessment

    table: dict[str, Any] = {
        "violation_evidence": _("违约证据材料"),
        "violation_appeal": _("违约申诉材料"),
    }
    table.update(assessment.labels())  # the assessment inputs other apps registered
    return table


def label_of(code: str) -> str | None:
    """A violation type's or a KPI's code: its (current) name."""
    from vasops.compliance.kpi.models import KpiDefinition
    from vasops.compliance.models import ViolationType

    name = (
        ViolationType.objects.filter(code=code)
        .order_by("-is_current", "-version")
        .values_list("name", flat=True)
        .first()
    )
    if name is None:
        name = KpiDefinition.objects.filter(code=code).values_list("name", flat=True).first()
    return name


EVIDENCE_ORDER = ("metric", "day", "value", "threshold", "sample")


def evidence_lines(evidence: dict[str, Any]) -> list[tuple[str, str]]:
    """A violation's evidence (a detection hit's figures, a complaint's facts) as (label, words):
    the figure of a hit in its unit, channels by name, the words of a code instead of the code."""
    from vasops.compliance.detection import rules as detection_rules
    from vasops.core import history
    from vasops.vac.models import Channel

    metric = evidence.get("metric")
    known_metric = isinstance(metric, str) and metric in detection_rules.DEFAULT_RULES
    channels = dict(Channel.choices)
    lines: list[tuple[str, str]] = []
    # what was measured first, then the figures behind it (the stored JSON keeps no order)
    first = [k for k in EVIDENCE_ORDER if k in evidence]
    for key in first + sorted(k for k in evidence if k not in EVIDENCE_ORDER):
        value = evidence[key]
        if key in ("metric_label", "value_text") and known_metric:
            continue  # the words of ``metric`` and ``value``, which are shown themselves
        if key in ("value", "threshold") and known_metric and isinstance(value, int):
            text = detection_rules.format_value(str(metric), value)
        elif key == "channels" and isinstance(value, dict):
            text = "；".join(f"{channels.get(k, k)}：{n}" for k, n in value.items()) or "—"
        else:
            text = history.value_text(None, key, value)
        lines.append((history.field_label(None, key), str(text)))
    return lines
