"""The only code that changes compliance state, one module per subject: the catalogue and its
numbers, violation records, credit, service blocking, assessment, exit. Callers import from
``vasops.compliance.actions``."""

from __future__ import annotations

from vasops.compliance.actions.assessments import compute_assessment, confirm_assessment
from vasops.compliance.actions.blocking import block_service, lift_block
from vasops.compliance.actions.catalogue import save_settings, save_violation_type
from vasops.compliance.actions.credit import adjust_credit
from vasops.compliance.actions.exits import exit_partner, exit_product
from vasops.compliance.actions.violations import (
    accept_violation,
    appeal_violation,
    decide_violation,
    discard_draft,
    draft_violation,
    raise_draft,
    record_violation,
)

__all__ = [
    "accept_violation",
    "adjust_credit",
    "appeal_violation",
    "block_service",
    "compute_assessment",
    "confirm_assessment",
    "decide_violation",
    "discard_draft",
    "draft_violation",
    "exit_partner",
    "exit_product",
    "lift_block",
    "raise_draft",
    "record_violation",
    "save_settings",
    "save_violation_type",
]
