"""Stable error codes of the VAC (``vac.*``): every refusal the VAC raises names one of these."""

from __future__ import annotations

from typing import Any

from django.utils.translation import get_language, gettext

from vasops.core.errors import DomainError
from vasops.core.marks import gettext_noop
from vasops.core.vocabulary import ErrorCode
from vasops.vac.protocol.codes import ResultCode


class VacError(ErrorCode):
    REFUSED = "vac.refused"  # an operation refused with an A.9 result code (``result_code``)
    MSISDN_REQUIRED = "vac.msisdn_required"
    ENDPOINT_URL = "vac.endpoint_url"
    ENDPOINT_MISSING = "vac.endpoint_missing"
    NUMBER_CHANGE_SAME = "vac.number_change_same"
    INVALID_SERVICE_BLOCK = "vac.invalid_service_block"


class VacRefused(DomainError):
    """An operation refused with a VAC result code (A.9); the gateways answer that code, the REST
    API answers ``{"code": "vac.refused", "result_code": <A.9 code>, ...}``."""

    def __init__(self, result_code: ResultCode, **params: Any) -> None:
        self.result_code = result_code
        super().__init__(
            VacError.REFUSED,
            # the A.9 table carries both languages: the words of the request's language
            gettext("%(words)s（结果码 %(code)s）")
            % {
                "words": result_code.en if (get_language() or "").startswith("en") else result_code.zh,
                "code": int(result_code),
            },
            status=409,
            clause=gettext_noop("《VAC 接口规范》附录C"),
            result_code=int(result_code),
            **params,
        )

    def as_dict(self) -> dict[str, Any]:
        return {**super().as_dict(), "result_code": int(self.result_code)}
