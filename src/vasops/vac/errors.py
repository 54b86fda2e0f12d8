"""Stable error codes of the VAC."""

from __future__ import annotations

from typing import Any

from vasops.core.errors import DomainError
from vasops.core.vocabulary import ErrorCode
from vasops.vac.protocol.codes import ResultCode


class VacError(ErrorCode):
    REFUSED = "vac.refused"


class VacRefused(DomainError):
    """An operation refused with a VAC result code (A.9); the gateways answer that code."""

    def __init__(self, result_code: ResultCode, **params: Any) -> None:
        self.result_code = result_code
        super().__init__(
            f"{VacError.REFUSED}.{int(result_code)}",
            f"{result_code.zh}（结果码 {int(result_code)}）",
            status=409,
            clause="《VAC 接口规范》附录C",
            result_code=int(result_code),
            **params,
        )
