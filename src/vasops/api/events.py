"""Audit event types of the API shell (values ``api.<object>_<past participle>``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from vasops.core.vocabulary import EventType


class ApiEvent(EventType):
    TOKEN_ISSUED = "api.token_issued", _("已签发 API 令牌")
