from __future__ import annotations

from typing import Any

from django.apps import AppConfig


def member_may_download(user: Any, doc: Any) -> bool:
    """Members of a partner may download the documents stored for their partner."""
    membership = getattr(user, "partner_membership", None)
    return bool(
        membership is not None and doc.partner_id is not None and membership.partner_id == doc.partner_id
    )


class PartnersConfig(AppConfig):
    name = "vasops.partners"
    label = "partners"
    verbose_name = "合作伙伴"

    def ready(self) -> None:
        from vasops.core import documents, ui

        documents.register_access_rule(member_may_download)
        ui.register_states(
            {
                "registered": "waiting",
                "admitted": "done",
                "active": "done",
                "suspended": "refused",
                "exited": "refused",
            }
        )
