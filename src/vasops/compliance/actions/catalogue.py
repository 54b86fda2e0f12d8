"""The violation catalogue 违约类型 (versioned) and the numbers of chapters 6–8 (staff)."""

from __future__ import annotations

import dataclasses
from typing import Any

from django.db import transaction
from django.utils.translation import gettext

from vasops.compliance import rules
from vasops.compliance.actions.common import CATALOGUE, settings_row, user_of
from vasops.compliance.errors import ComplianceError
from vasops.compliance.events import ComplianceEvent
from vasops.compliance.models import Consequence, Grade, ViolationType
from vasops.core import audit
from vasops.core.errors import DomainError
from vasops.core.permissions import require

TYPE_FIELDS = [
    "code",
    "version",
    "name",
    "description",
    "grade",
    "points",
    "penalty_fen",
    "consequence",
    "is_active",
]


@transaction.atomic(durable=True)
def save_violation_type(
    *,
    actor: Any,
    code: str,
    name: str,
    grade: str,
    points: int | None = None,
    penalty_fen: int = 0,
    consequence: str = Consequence.NONE,
    description: str = "",
    is_active: bool = True,
) -> ViolationType:
    """A new catalogue entry, or a new version of ``code`` (the old one stays for its records).
    Without ``points`` the grade's default deduction applies (一般 2 / 严重 5 / 重大 10)."""
    require(actor, CATALOGUE)
    code = (code or "").strip()
    if not code or not (name or "").strip():
        raise DomainError(ComplianceError.INVALID_VIOLATION_TYPE, gettext("请填写代码与名称。"), field="code")
    if grade not in Grade.values:
        raise DomainError(ComplianceError.INVALID_VIOLATION_TYPE, gettext("请选择违约等级。"), field="grade")
    if consequence not in Consequence.values:
        raise DomainError(
            ComplianceError.INVALID_VIOLATION_TYPE, gettext("请选择处理措施。"), field="consequence"
        )
    from vasops.compliance.actions.common import numbers

    if points is None:
        points = rules.default_points(grade, numbers())
    if points < 0 or penalty_fen < 0:
        raise DomainError(
            ComplianceError.INVALID_VIOLATION_TYPE, gettext("扣分与违约金不能为负。"), field="points"
        )
    current = ViolationType.objects.select_for_update().filter(code=code, is_current=True).first()
    before = audit.snapshot(current, TYPE_FIELDS) if current else None
    version = 1
    if current is not None:
        version = current.version + 1
        current.is_current = False
        current.save(update_fields=["is_current"])
    vt = ViolationType.objects.create(
        code=code,
        version=version,
        name=name.strip(),
        description=(description or "").strip(),
        grade=grade,
        points=points,
        penalty_fen=penalty_fen,
        consequence=consequence,
        is_active=is_active,
        created_by=user_of(actor),
    )
    audit.record(
        actor=actor,
        action=ComplianceEvent.VIOLATION_TYPE_SAVED,
        obj=vt,
        before=before,
        after=audit.snapshot(vt, TYPE_FIELDS),
    )
    return vt


@transaction.atomic(durable=True)
def save_settings(*, actor: Any, reason: str = "", **values: int) -> Any:
    """Staff change the numbers (appeal days, start points, grade lines, blacklist months …)."""
    require(actor, CATALOGUE)
    row = settings_row()
    names = [f.name for f in dataclasses.fields(rules.Numbers)]
    unknown = set(values) - set(names)
    if unknown:
        raise DomainError(
            ComplianceError.INVALID_SETTINGS,
            gettext("未知参数：%(unknown)s。") % {"unknown": "、".join(sorted(unknown))},
        )
    before = audit.snapshot(row, names)
    merged = {n: int(values.get(n, getattr(row, n))) for n in names}
    problem = rules.settings_problem(rules.Numbers(**merged))
    if problem:
        raise DomainError(ComplianceError.INVALID_SETTINGS, problem)
    for n, v in merged.items():
        setattr(row, n, v)
    row.save()
    audit.record(
        actor=actor,
        action=ComplianceEvent.SETTINGS_SAVED,
        obj=row,
        before=before,
        after=audit.snapshot(row, names),
        reason=reason,
    )
    return row
