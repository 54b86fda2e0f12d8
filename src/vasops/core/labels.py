"""Words for the platform-wide codes a person may meet (see ``vocabulary.code_label``)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from vasops.core import roles


def code_labels() -> dict[str, Any]:
    return {
        **roles.ROLE_LABELS,
        "system": _("系统"),
        "sweep": _("系统定时任务"),
        # models without a declared verbose name (their Meta belongs to their app's migrations)
        "core.sequence": _("业务编号序列"),
        "admission.panelmember": _("评审组成员"),
    }
