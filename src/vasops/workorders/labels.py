"""Words for work-order codes (see ``core.vocabulary.code_label``): the stored document kind and
the systems a data-change order names."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from vasops.workorders import rules


def code_labels() -> dict[str, Any]:
    table: dict[str, Any] = {"workorder": _("工单附件")}
    table.update(rules.SYSTEM_LABELS)
    return table
