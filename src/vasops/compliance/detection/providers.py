"""Where the complaint figures come from: a registry that the complaints app fills (it sits
above compliance, so it registers itself; compliance never imports it). With no provider
registered every product has 0 complaints."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

# (first day, last day) inclusive, Asia/Shanghai → {product id: complaints received}
ComplaintCounter = Callable[[dt.date, dt.date], dict[int, int]]

_providers: dict[str, ComplaintCounter] = {}


def register_complaint_source(name: str, fn: ComplaintCounter) -> None:
    """Called from the complaints app's ``ready()``; registering a name again replaces it."""
    _providers[name] = fn


def unregister_complaint_source(name: str) -> None:
    _providers.pop(name, None)


def complaints_by_product(first: dt.date, last: dt.date) -> dict[int, int]:
    total: dict[int, int] = {}
    for fn in _providers.values():
        for product_id, count in fn(first, last).items():
            total[product_id] = total.get(product_id, 0) + int(count)
    return total
