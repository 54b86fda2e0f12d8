"""Extension points other apps fill in (catalog must not import the apps above it).

``subscriber_provider(product)`` yields the MSISDNs currently subscribed to ``product``; the
subscription store (vac) registers its own at start-up::

    from vasops.catalog import hooks
    hooks.register_subscriber_provider(my_provider)

Until then it yields nothing, and a fee-change notification file has only its header."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

SubscriberProvider = Callable[[Any], Iterable[str]]


def no_subscribers(product: Any) -> Iterator[str]:
    """The default provider: nobody is subscribed."""
    return iter(())


subscriber_provider: SubscriberProvider = no_subscribers


def register_subscriber_provider(provider: SubscriberProvider) -> SubscriberProvider:
    """Install ``provider``; returns the previous one (tests restore it)."""
    global subscriber_provider
    previous = subscriber_provider
    subscriber_provider = provider
    return previous


def subscribers_of(product: Any) -> Iterable[str]:
    """The MSISDNs to notify, through whichever provider is installed now."""
    return subscriber_provider(product)
