"""Every periodic sweep of the platform in one place, for the worker (`manage.py run_sweeps`).

Each sweep is idempotent (DESIGN.md "Deadlines"): running it twice, late, or after a crash changes
nothing twice, so the worker needs no exact schedule — only that it runs often enough."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Sweep:
    name: str
    label: str
    every: dt.timedelta
    run: Callable[[], Any]


def _qualification_reminders() -> Any:
    from vasops.partners import tasks

    return tasks.send_qualification_reminders()


def _bank_changes() -> Any:
    from vasops.partners import actions

    return len(actions.apply_due_bank_changes())


def _admission() -> Any:
    from vasops.admission import tasks

    return tasks.run_all()


def _work_orders() -> Any:
    from vasops.workorders import tasks

    return tasks.sweep_work_orders()


def _complaints() -> Any:
    from vasops.complaints import tasks

    return tasks.sweep_complaints()


def _product_changes() -> Any:
    from vasops.catalog import tasks

    return tasks.apply_due_changes()


def _notifications() -> Any:
    from vasops.vac import tasks

    report = tasks.deliver_notifications(500)
    return {"delivered": report.delivered, "retried": report.retried, "failed": report.failed}


def _unconfirmed() -> Any:
    from vasops.vac import tasks

    return tasks.drop_unconfirmed()


def _crm_files() -> Any:
    from vasops.vac import crm

    return crm.sweep()


def _user_sms() -> Any:
    from vasops.vac import tasks

    return tasks.send_sms()


def _crm_exception_file() -> Any:
    from vasops.vac import tasks

    return tasks.crm_exception_files()


def _order_sync() -> Any:
    from vasops.vac import syncfiles

    return syncfiles.sweep()


def _settlement_runs() -> Any:
    from vasops.settlement import running

    return running.sweep()


def _contract_ratios() -> Any:
    from vasops.settlement import actions

    return len(actions.sync_contract_ratios())


def _reconciliation_disputes() -> Any:
    from vasops.settlement.reconciliation import tasks

    return tasks.sweep_disputes()


def _charging_detection() -> Any:
    from vasops.compliance.detection import tasks

    return tasks.run_due()


def _assessment() -> Any:
    from vasops.compliance import tasks

    return tasks.draft_last_month_assessment()


MINUTE = dt.timedelta(minutes=1)
SWEEPS: list[Sweep] = [
    Sweep("notifications", "SP 订购关系通知投递", MINUTE, _notifications),
    Sweep("unconfirmed", "二次确认超时作废", 5 * MINUTE, _unconfirmed),
    Sweep("user_sms", "用户短信（二次确认、0000 查询）", MINUTE, _user_sms),
    Sweep("crm_files", "CRM 批量文件", 5 * MINUTE, _crm_files),
    Sweep("crm_exception_file", "VAC 至 CRM 异常文件", 15 * MINUTE, _crm_exception_file),
    Sweep("order_sync", "定购关系同步文件（日增量、月全量、SP 回执）", 15 * MINUTE, _order_sync),
    Sweep("work_orders", "工单超期提醒与升级", 15 * MINUTE, _work_orders),
    Sweep("complaints", "客户投诉超时升级", 15 * MINUTE, _complaints),
    Sweep("admission", "准入期限（接入资料、考卷、合同到期）", 15 * MINUTE, _admission),
    Sweep("reconciliation_disputes", "对账争议超期升级", 15 * MINUTE, _reconciliation_disputes),
    Sweep("product_changes", "产品变更生效", 60 * MINUTE, _product_changes),
    Sweep("bank_changes", "银行账户变更生效", 60 * MINUTE, _bank_changes),
    Sweep("settlement_runs", "结算计算（排队或中断的批次）", MINUTE, _settlement_runs),
    Sweep("contract_ratios", "合同结算比例同步为分成比例版本", 60 * MINUTE, _contract_ratios),
    Sweep("charging_detection", "异常扣费检测（每日）", 60 * MINUTE, _charging_detection),
    Sweep("qualification_reminders", "资质到期提醒", 6 * 60 * MINUTE, _qualification_reminders),
    Sweep("assessment", "上月考核得分（待确认草稿）", 6 * 60 * MINUTE, _assessment),
]


def run_due(
    last_run: dict[str, dt.datetime], now: dt.datetime, *, only: set[str] | None = None
) -> dict[str, Any]:
    """Run every sweep whose interval has passed since its last run; a failing sweep is logged
    and retried next time, and never stops the others."""
    results: dict[str, Any] = {}
    for sweep in SWEEPS:
        if only is not None and sweep.name not in only:
            continue
        previous = last_run.get(sweep.name)
        if previous is not None and now - previous < sweep.every:
            continue
        try:
            results[sweep.name] = sweep.run()
        except Exception as exc:  # one broken sweep must not stop the worker
            log.exception("sweep %s failed", sweep.name)
            results[sweep.name] = f"error: {exc}"
        last_run[sweep.name] = now
    return results
