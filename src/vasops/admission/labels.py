"""Words for admission's codes (see ``core.vocabulary.code_label``): the application materials of
attachment 1 and the stored document kinds, the access test cases of attachment 4."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from vasops.admission import rules
from vasops.admission.actions.preparation import ACCESS_DATA_REQUIRED
from vasops.admission.review.rules import DEFAULT_INDICATORS


def code_labels() -> dict[str, Any]:
    table: dict[str, Any] = {"admission.contract": _("签署的合同")}
    for kind, label in rules.MATERIALS:
        table[kind] = label
        table[f"admission.{kind}"] = label
    for line, cases in [*rules.ACCESS_TEST_CASES.items(), ("", rules._GENERIC_CASES)]:
        for code, title in cases:
            table[code] = title
            if line:
                table[f"{line}:{code}"] = title
    table.update(ACCESS_DATA_REQUIRED)
    table.update({i.code: i.name for i in DEFAULT_INDICATORS})
    return table


def field_labels() -> dict[str, Any]:
    """The keys of the 附件5 opening data (``Application.opening_data``) as the form names them."""
    from vasops.admission.forms import OpeningForm

    return {name: field.label for name, field in OpeningForm.base_fields.items()}
