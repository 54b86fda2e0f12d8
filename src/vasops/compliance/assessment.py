"""The registry of assessment inputs 考核指标 that other apps fill, without compliance importing
them (complaints registers repeat-complaint counts, the KPI package below-threshold counts)::

    from vasops.compliance.assessment import register_input
    register_input("repeat_complaints", "重复投诉次数", count_fn)

``fn(partner_id, period_start, period_end) -> int``; each unit deducts ``weight`` points from the
scorecard's 100 (``rules.score``). Register in your ``AppConfig.ready``; registering a name again
replaces it (tests)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

InputFn = Callable[[int, dt.date, dt.date], int]


@dataclass(frozen=True)
class AssessmentInput:
    name: str
    label: str
    fn: InputFn
    weight: int = 1


_inputs: dict[str, AssessmentInput] = {}


def register_input(name: str, label: str, fn: InputFn, *, weight: int = 1) -> AssessmentInput:
    """Add (or replace) the input ``name`` shown as ``label``."""
    item = AssessmentInput(name=name, label=label, fn=fn, weight=weight)
    _inputs[name] = item
    return item


def unregister_input(name: str) -> None:
    _inputs.pop(name, None)


def inputs() -> list[AssessmentInput]:
    return sorted(_inputs.values(), key=lambda i: i.name)


def collect(partner_id: int, start: dt.date, end: dt.date) -> dict[str, int]:
    """Every registered input's value for one partner and period."""
    return {i.name: int(i.fn(partner_id, start, end)) for i in inputs()}


def weights() -> dict[str, int]:
    return {i.name: i.weight for i in inputs()}


def labels() -> dict[str, str]:
    return {i.name: i.label for i in inputs()}
