"""The demo's settlement (``seed_demo`` calls :func:`seed_settlement`): December 2026 — the
month before the demo's business date — exported to Parquet, computed, approved by a second
finance user and published, so the demo partner can download its statement."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings

from vasops.core import clock

MONTH = dt.date(2026, 12, 1)
DEMO_TODAY = dt.date(2027, 1, 5)
SECOND_FINANCE = ("qian.fin", "钱进（结算复核）")


def export_month(month: dt.date = MONTH) -> int:
    """Write the month's CDR Parquet (one file per Shanghai business day), as the nightly export."""
    from vasops.settlement import rules
    from vasops.vac import export

    return sum(export.export_day(day).rows for day in rules.month_days(month))


def second_finance_user(password: str) -> Any:
    from django.contrib.auth.models import Group

    from vasops.core import roles
    from vasops.core.models import User

    username, name = SECOND_FINANCE
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User.objects.create_user(
            username, f"{username}@carrier.example", password, display_name=name.split("（")[0], is_staff=True
        )
        user.groups.add(Group.objects.get(name=roles.FINANCE))
    return user


def seed_settlement(partner: Any, *, finance: Any, approver: Any) -> Any:
    """December computed by ``finance``, approved by ``approver``, published; a bad-debt rate
    and a refund so the statement shows deductions with their reasons."""
    from vasops.catalog.models import BusinessLine
    from vasops.settlement import actions
    from vasops.settlement.models import SettlementRun

    export_month()
    previous = settings.VASOPS_SETTLEMENT_RUNNER
    settings.VASOPS_SETTLEMENT_RUNNER = "inline"
    try:
        with clock.frozen(DEMO_TODAY):
            actions.sync_contract_ratios(actor=finance)
            sms = BusinessLine.objects.filter(code="SMS").first()
            if sms is not None:
                actions.set_bad_debt_rate(
                    actor=finance,
                    business_line=sms,
                    month=MONTH,
                    rate_bp=50,
                    reason="2026 年 12 月短信类坏账率核定",
                )
            product = partner.products.filter(state="active").order_by("pk").first()
            actions.add_manual_adjustment(
                actor=finance,
                partner=partner,
                product=product,
                month=MONTH,
                amount_fen=-600,
                reason="用户投诉重复扣费，退费 6.00 元由合作伙伴承担（演示）",
            )
            run = actions.start_run(actor=finance, month=MONTH, note="2026 年 12 月结算")
            run = SettlementRun.objects.get(pk=run.pk)
            if run.state != SettlementRun.State.COMPUTED:
                return run
            run = actions.approve_run(actor=approver, run=run, comment="已核对话单汇总与调整")
            return actions.publish_run(actor=finance, run=run)
    finally:
        settings.VASOPS_SETTLEMENT_RUNNER = previous
