"""The words of the short messages VAC sends users (二次确认, 0000 list, results) and how a user's
reply is read. Pure: no Django, no I/O; the gateway uses it too.

Replies (SGIP.md §11; wording per deployment [I], ours below):

=========================  =====================================================================
``是`` / ``Y`` / ``y``     confirms the user's latest pending subscription (二次确认)
``0000``                   lists the user's subscriptions, numbered
``TD<n>`` / ``TD <n>``     unsubscribes the n-th relation of the last list (退订)
``00000``                  unsubscribes everything (全部退订, VAC op 3 over every type and SP)
=========================  =====================================================================
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

__all__ = ["Reply", "ReplyKind", "confirm_request", "fee_text", "parse_reply"]

_TD = re.compile(r"TD\s*0*(\d{1,3})")


class ReplyKind(StrEnum):
    CONFIRM = "confirm"
    LIST = "list"
    UNSUBSCRIBE = "unsubscribe"
    UNSUBSCRIBE_ALL = "unsubscribe_all"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Reply:
    kind: ReplyKind
    number: int = 0  # TD<n>: the position in the list


def parse_reply(text: str) -> Reply:
    """What the user's MO text asks for (full-width characters and case are forgiven)."""
    value = text.strip().translate(_FULL_WIDTH).upper().replace(" ", "")
    if value in ("是", "Y", "YES"):
        return Reply(ReplyKind.CONFIRM)
    if value == "0000":
        return Reply(ReplyKind.LIST)
    if value == "00000":
        return Reply(ReplyKind.UNSUBSCRIBE_ALL)
    match = _TD.fullmatch(value)
    if match and int(match.group(1)) > 0:
        return Reply(ReplyKind.UNSUBSCRIBE, int(match.group(1)))
    return Reply(ReplyKind.UNKNOWN)


_FULL_WIDTH = {0xFF10 + i: 0x30 + i for i in range(10)} | {0xFF21 + i: 0x41 + i for i in range(26)}
_FULL_WIDTH |= {0xFF41 + i: 0x61 + i for i in range(26)} | {0x3000: 0x20}


def fee_text(price_fen: int, billing_mode: str) -> str:
    """``5元/月``, ``2元/次``, ``0.5元/条``, ``免费``."""
    if price_fen <= 0 or billing_mode == "free":
        return "免费"
    yuan = f"{price_fen // 100}" if price_fen % 100 == 0 else f"{price_fen / 100:.2f}".rstrip("0")
    unit = {"monthly": "月", "per_item": "条", "per_use": "次"}.get(billing_mode, "次")
    return f"{yuan}元/{unit}"


def confirm_request(product_name: str, price_fen: int, billing_mode: str, hours: int) -> str:
    """The double-confirmation SMS (二次确认) of a pending subscription."""
    return (
        f"您正在订购“{product_name}”，资费{fee_text(price_fen, billing_mode)}。"
        f"确认订购请在{hours}小时内回复“是”或“Y”，不回复则不订购。【中国联通】"
    )
