"""Words for partners' codes (see ``core.vocabulary.code_label``): stored document kinds of the
qualification scans and of change requests."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from vasops.partners.models import QualificationKind


def code_labels() -> dict[str, Any]:
    table: dict[str, Any] = {"change:business_licence": _("变更申请：营业执照")}
    for kind, label in QualificationKind.choices:
        table[f"qualification:{kind}"] = label
        table[kind] = label
    return table
