"""Settlement acts. ``record_adjustment`` is how every other app changes a partner's money."""

from vasops.settlement.actions.adjustments import add_manual_adjustment, open_month_for, record_adjustment
from vasops.settlement.actions.ratios import create_ratio_version, set_bad_debt_rate, sync_contract_ratios
from vasops.settlement.actions.runs import (
    approve_run,
    publish_run,
    record_computation,
    record_failure,
    restart_run,
    start_run,
)

__all__ = [
    "add_manual_adjustment",
    "approve_run",
    "create_ratio_version",
    "open_month_for",
    "publish_run",
    "record_adjustment",
    "record_computation",
    "record_failure",
    "restart_run",
    "set_bad_debt_rate",
    "start_run",
    "sync_contract_ratios",
]
