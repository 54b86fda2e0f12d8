"""The compliance part of the demo (``seed_demo``): 武汉星云科技 with an upheld violation whose
product is blocked (points 95, a penalty in settlement), a violation still inside its appeal
window, and 荆楚无线 with an appeal waiting for staff. Dated after the demo's VAC traffic."""

from __future__ import annotations

import datetime as dt
from typing import Any

from vasops.catalog.models import Product
from vasops.compliance import actions
from vasops.core import clock


def seed(*, staff: Any, partner: Any, partner_user: Any, other: Any, other_user: Any) -> None:
    jokes = Product.objects.get(partner=partner, name="笑话点播")
    weather = Product.objects.get(partner=partner, name="天气预报")
    with clock.frozen(dt.date(2026, 12, 28)):
        upheld = actions.record_violation(
            actor=staff,
            partner=partner,
            violation_code="no_second_confirmation",
            summary="抽检发现：12 月 20 日起经 WAP 渠道订购“笑话点播”未向用户下发二次确认短信。",
            product=jokes,
        )
    with clock.frozen(dt.date(2026, 12, 29)):
        actions.accept_violation(upheld, actor=partner_user)
    with clock.frozen(dt.date(2027, 1, 4)):
        actions.decide_violation(upheld, actor=staff, decision="upheld", reason="事实清楚，合作伙伴已确认。")
        pending = actions.record_violation(
            actor=staff,
            partner=other,
            violation_code="spam_mt",
            summary="用户投诉收到未订购的营销短信（端口 10655 群发）。",
        )
    with clock.frozen(dt.date(2027, 1, 5)):
        actions.appeal_violation(
            pending, actor=other_user, text="该端口已于 12 月转让，短信非我司发送，附转让协议。"
        )
        actions.record_violation(
            actor=staff,
            partner=partner,
            violation_code="misleading_promotion",
            summary="“天气预报”推广页以“免费查看”引导订购，未标明 5 元/月资费。",
            product=weather,
        )
