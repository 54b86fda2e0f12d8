from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.apps import AppConfig


def active_subscribers(product: Any) -> Iterable[str]:
    """MSISDNs with a live relation to ``product``: the catalogue's fee-change notice file."""
    from vasops.vac.models import Subscription

    return (
        Subscription.objects.filter(product=product, state="active")
        .order_by("msisdn")
        .values_list("msisdn", flat=True)
        .iterator(chunk_size=10_000)
    )


class VacConfig(AppConfig):
    name = "vasops.vac"
    label = "vac"

    def ready(self) -> None:
        from vasops.catalog import hooks

        hooks.register_subscriber_provider(active_subscribers)
