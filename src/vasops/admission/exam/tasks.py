"""Periodic sweeps of the exam (idempotent; call from the app's task runner)."""

from __future__ import annotations

from vasops.admission.exam import actions as exam_actions


def close_expired_exam_papers() -> int:
    """Close every paper whose time limit + 60 s grace is over, graded with the saved answers."""
    return exam_actions.close_expired_papers()


TASKS = [close_expired_exam_papers]
