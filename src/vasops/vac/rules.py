"""Pure VAC rules: what an operation answers (VAC.md A.8.4, A.9, A.10). No ORM, no I/O.

``decide(op, facts)`` → :class:`Decision` (result code, price in fen, whether to charge, and the
outcome the caller applies). Levels of the product come from ``catalog.rules.effective_status``
(normal / paused / blocked / not_live / offline).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from zoneinfo import ZoneInfo

from vasops.vac.protocol.codes import ResultCode

SHANGHAI = ZoneInfo("Asia/Shanghai")
DEFAULT_CONFIRM_INTERVAL = dt.timedelta(hours=24)
# expireDate of an open-ended relation in the SP notification and the sync files (VAC.md B.3: the
# test spec's 20370101000000)
FAR_FUTURE = "20370101000000"

TRUSTED_CHANNELS = frozenset({"crm", "trusted_portal"})
CHARGEABLE_MODES = frozenset({"monthly", "per_use", "per_item", "capped"})
PER_USE_MODES = frozenset({"per_use", "per_item"})


class Op(StrEnum):
    AUTH_CHARGE = "auth_charge"  # binary 0
    SUBSCRIBE = "subscribe"  # 1
    UNSUBSCRIBE = "unsubscribe"  # 2
    UNSUBSCRIBE_ALL = "unsubscribe_all"  # 3
    ON_DEMAND = "on_demand"  # 4
    CHECK = "check"  # 6
    BLOCK = "block"  # 7
    RESTORE = "restore"  # 8
    CONFIRM = "confirm"  # the user's 二次确认 reply


BINARY_OPS: dict[int, Op] = {
    0: Op.AUTH_CHARGE,
    1: Op.SUBSCRIBE,
    2: Op.UNSUBSCRIBE,
    3: Op.UNSUBSCRIBE_ALL,
    4: Op.ON_DEMAND,
    6: Op.CHECK,
    7: Op.BLOCK,
    8: Op.RESTORE,
}


# OrderMethod (TLV 0x1511, 订购渠道) → channel. VAC.md A.7 and E.2: the codes are in the VAC–BSS
# spec's appendix, which nobody here could read [?]. Our table [I] numbers the ordering channels of
# the VAC business spec (业务规范 4.1) in its order; a deployment maps the real codes with
# VASOPS_VAC_ORDER_METHODS ({"code": "channel"}). Text names are accepted too.
ORDER_METHODS: dict[str, str] = {
    "01": "sms",  # 4.1.1.1 用户短信方式
    "02": "wap",  # 4.1.1.2 用户 WAP 方式
    "03": "ivr",  # 4.1.1.3 用户 IVR 方式
    "04": "trusted_portal",  # 4.1.1.4 可信任域业务门户
    "05": "web",  # 4.1.1.5 不可信任域（网站）
    "06": "crm",  # 4.1.2.1 CRM 实时消息（营业厅）
    "07": "crm",  # 4.1.2.2 CRM 批量文件
    "08": "crm",  # 4.1.2.3 电子渠道、客服（经 CRM）
}
CHANNEL_NAMES = frozenset({"sms", "wap", "ivr", "web", "crm", "trusted_portal"})


def order_method_channel(value: str | None, table: dict[str, str] | None = None) -> str | None:
    """The channel an OrderMethod value names, or None when it names none (refused with 100).
    Numeric codes are read with or without their leading zero (``1`` = ``01``)."""
    text = (value or "").strip()
    if not text:
        return None
    codes = ORDER_METHODS if table is None else table
    if text.isdigit():
        return codes.get(f"{int(text):02d}") or codes.get(text)
    name = text.lower()
    return name if name in CHANNEL_NAMES else None


class Outcome(StrEnum):
    NONE = "none"  # refused, or nothing to change
    PENDING = "pending"  # new relation waits for the user's confirmation
    ACTIVATE = "activate"  # new or confirmed relation becomes active
    DROP = "drop"  # pending relation dropped (unconfirmed or cancelled)
    UNSUBSCRIBE = "unsubscribe"
    USE = "use"  # a use of the service (auth+charge / on-demand)
    BLOCK = "block"
    RESTORE = "restore"


@dataclass(frozen=True, slots=True, kw_only=True)
class Facts:
    """Everything a decision needs, read by the caller."""

    now: dt.datetime
    partner_found: bool = True
    product_found: bool = True
    level: str = "normal"  # catalog effective status level
    level_source: str = "product"  # "partner" or "product"
    billing_mode: str = "monthly"
    price_fen: int = 0
    channel: str = "sms"
    account_closed: bool = False
    user_blocked: bool = False
    subscription_state: str | None = None  # None, "pending_confirmation" or "active"
    requested_at: dt.datetime | None = None  # of the pending relation
    last_charged_month: str = ""
    live_count: int = 0  # unsubscribe-all: relations in scope
    confirm_interval: dt.timedelta = DEFAULT_CONFIRM_INTERVAL
    # the engine that sent the order already asked the user (SPMS: VAC.md A.10, SGIP.md §11)
    confirmed_upstream: bool = False


@dataclass(frozen=True, slots=True)
class Decision:
    code: ResultCode
    price_fen: int = 0
    charge: bool = False
    outcome: Outcome = Outcome.NONE

    @property
    def ok(self) -> bool:
        return self.code == ResultCode.SUCCESS


# the level of a product under a carrier's service block 业务屏蔽 (vac.ServiceBlock): refused like a
# product (2101) or partner (2001) not in service, for new orders and for use alike
BLOCKED_LEVEL = "blocked"


def refuse(code: ResultCode, outcome: Outcome = Outcome.NONE) -> Decision:
    return Decision(code, 0, False, outcome)


def month_key(when: dt.datetime) -> str:
    """The calendar month (Asia/Shanghai) an instant falls in, as YYYYMM."""
    return when.astimezone(SHANGHAI).strftime("%Y%m")


def needs_double_confirmation(channel: str, billing_mode: str, price_fen: int) -> bool:
    """二次确认: a chargeable product ordered from an untrusted channel."""
    return is_chargeable(billing_mode, price_fen) and channel not in TRUSTED_CHANNELS


def is_chargeable(billing_mode: str, price_fen: int) -> bool:
    return billing_mode in CHARGEABLE_MODES and price_fen > 0


def confirmation_expired(requested_at: dt.datetime, now: dt.datetime, interval: dt.timedelta) -> bool:
    """Confirmed within the interval (inclusive) is in time; one instant later is too late."""
    return now - requested_at > interval


def _monthly_charge(f: Facts) -> Decision:
    """Monthly product in use: charge once per calendar month (Shanghai) per relation."""
    price = f.price_fen if f.billing_mode == "monthly" else 0
    charge = price > 0 and f.level == "normal" and f.last_charged_month != month_key(f.now)
    return Decision(ResultCode.SUCCESS, price if charge else 0, charge, Outcome.USE)


def _service_refusal(f: Facts, *, new_order: bool) -> Decision | None:
    if not f.partner_found:
        return refuse(ResultCode.SP_NOT_FOUND)
    if not f.product_found:
        return refuse(ResultCode.SERVICE_NOT_FOUND)
    allowed = {"normal"} if new_order else {"normal", "paused"}
    if f.level not in allowed:
        if f.level_source == "partner":
            return refuse(ResultCode.SP_STATUS_ABNORMAL)
        return refuse(ResultCode.SERVICE_NOT_OPEN)
    return None


def _user_refusal(f: Facts) -> Decision | None:
    if f.account_closed:
        return refuse(ResultCode.SUBSCRIBER_NOT_FOUND)
    if f.user_blocked:
        return refuse(ResultCode.CAPABILITY_BLOCKED)
    return None


def decide(op: Op, f: Facts) -> Decision:
    """The answer to ``op`` under ``f``."""
    if op is Op.BLOCK:
        if f.account_closed:
            return refuse(ResultCode.SUBSCRIBER_NOT_FOUND)
        return (
            refuse(ResultCode.CANNOT_BLOCK_RESTORE)
            if f.user_blocked
            else Decision(ResultCode.SUCCESS, outcome=Outcome.BLOCK)
        )
    if op is Op.RESTORE:
        if f.account_closed:
            return refuse(ResultCode.SUBSCRIBER_NOT_FOUND)
        return (
            Decision(ResultCode.SUCCESS, outcome=Outcome.RESTORE)
            if f.user_blocked
            else refuse(ResultCode.CANNOT_BLOCK_RESTORE)
        )
    if op is Op.UNSUBSCRIBE_ALL:
        if f.account_closed:
            return refuse(ResultCode.SUBSCRIBER_NOT_FOUND)
        if f.live_count == 0:
            return refuse(ResultCode.NOT_SUBSCRIBED)
        return Decision(ResultCode.SUCCESS, outcome=Outcome.UNSUBSCRIBE)
    if op is Op.UNSUBSCRIBE:
        # a user may always leave: a blocked product or partner does not keep him subscribed
        if f.account_closed:
            return refuse(ResultCode.SUBSCRIBER_NOT_FOUND)
        if not f.partner_found:
            return refuse(ResultCode.SP_NOT_FOUND)
        if not f.product_found:
            return refuse(ResultCode.SERVICE_NOT_FOUND)
        if f.subscription_state is None:
            return refuse(ResultCode.NOT_SUBSCRIBED)
        if f.subscription_state == "pending_confirmation":
            return Decision(ResultCode.SUCCESS, outcome=Outcome.DROP)
        return Decision(ResultCode.SUCCESS, outcome=Outcome.UNSUBSCRIBE)
    if op is Op.CHECK:
        if f.account_closed:
            return refuse(ResultCode.SUBSCRIBER_NOT_FOUND)
        if not f.product_found:
            return refuse(ResultCode.SERVICE_NOT_FOUND)
        if f.subscription_state == "active":
            return Decision(ResultCode.SUCCESS)
        return refuse(ResultCode.NOT_SUBSCRIBED)

    refusal = _user_refusal(f)
    if refusal is not None:
        return refusal

    if op is Op.SUBSCRIBE:
        if (refusal := _service_refusal(f, new_order=True)) is not None:
            return refusal
        if f.subscription_state == "active":
            return refuse(ResultCode.ALREADY_SUBSCRIBED)
        if f.subscription_state == "pending_confirmation":
            return refuse(ResultCode.SUBSCRIPTION_ABNORMAL)
        if not f.confirmed_upstream and needs_double_confirmation(f.channel, f.billing_mode, f.price_fen):
            return Decision(ResultCode.SUCCESS, f.price_fen, False, Outcome.PENDING)
        return _activation(f)
    if op is Op.CONFIRM:
        if f.subscription_state != "pending_confirmation" or f.requested_at is None:
            return refuse(ResultCode.NOT_SUBSCRIBED)
        if confirmation_expired(f.requested_at, f.now, f.confirm_interval):
            return refuse(ResultCode.CONFIRM_TIMEOUT, Outcome.DROP)
        if (refusal := _service_refusal(f, new_order=True)) is not None:
            return refusal
        return _activation(f)
    if op is Op.ON_DEMAND:
        if (refusal := _service_refusal(f, new_order=True)) is not None:
            return refusal
        if f.billing_mode == "monthly":
            return refuse(ResultCode.SERVICE_NOT_ORDERABLE)
        return _per_use(f)
    if op is Op.AUTH_CHARGE:
        if f.billing_mode == "monthly":
            if (refusal := _service_refusal(f, new_order=False)) is not None:
                return refusal
            if f.subscription_state is None:
                return refuse(ResultCode.NOT_SUBSCRIBED)
            if f.subscription_state != "active":
                return refuse(ResultCode.SUBSCRIPTION_ABNORMAL)
            return _monthly_charge(f)
        if f.subscription_state == "active":
            if (refusal := _service_refusal(f, new_order=False)) is not None:
                return refusal
        elif (refusal := _service_refusal(f, new_order=True)) is not None:
            return refusal
        return _per_use(f)
    raise ValueError(f"unknown operation {op!r}")


def _activation(f: Facts) -> Decision:
    """A relation becomes active: a monthly product charges its first month now."""
    if f.billing_mode == "monthly" and f.price_fen > 0:
        return Decision(ResultCode.SUCCESS, f.price_fen, True, Outcome.ACTIVATE)
    return Decision(ResultCode.SUCCESS, 0, False, Outcome.ACTIVATE)


def _per_use(f: Facts) -> Decision:
    charge = f.billing_mode in PER_USE_MODES and f.price_fen > 0 and f.level == "normal"
    return Decision(ResultCode.SUCCESS, f.price_fen if charge else 0, charge, Outcome.USE)
