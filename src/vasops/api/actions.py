"""State changes of the API shell: bearer tokens for machine clients."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from vasops.api.events import ApiEvent
from vasops.api.models import ApiToken
from vasops.core import audit


@transaction.atomic(durable=True)
def issue_token(user: Any, *, actor: Any, name: str = "") -> tuple[ApiToken, str]:
    """A bearer token for ``user`` (``manage.py create_api_token``); the secret is returned once,
    only its digest is stored. ``actor`` is who issued it (a person, or "system" for the
    operator's command line)."""
    token, secret = ApiToken.issue(user, name)
    audit.record(
        actor=actor,
        action=ApiEvent.TOKEN_ISSUED,
        obj=token,
        after={"user": user.username, "name": name, "prefix": token.prefix},
    )
    return token, secret
