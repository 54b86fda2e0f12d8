"""Mobile numbers (MSISDN): the one place that says what a user's number looks like.

A number arrives in three spellings (VAC.md A.10, SGIP.md §3): bare ``13012345678``, with the
country code ``8613012345678``, or ``+8613012345678``. vasops stores and compares the **bare**
form (11 digits, starting with 1); the protocols that want the country code (SGIP numbers, the
SP notification's ``userId``, the CRM files) get the **86** form. Pure: no Django, no I/O.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["COUNTRY_CODE", "bare", "bare_or_stripped", "with_country_code"]

COUNTRY_CODE: Final = "86"
_NUMBER = re.compile(r"(?:\+?86)?(1\d{10})")


def bare(value: str) -> str | None:
    """``13012345678`` for any accepted spelling of a mobile number; None when it is not one."""
    match = _NUMBER.fullmatch(value.strip())
    return match.group(1) if match else None


def with_country_code(value: str) -> str | None:
    """``8613012345678`` for any accepted spelling of a mobile number; None when it is not one."""
    number = bare(value)
    return COUNTRY_CODE + number if number else None


def bare_or_stripped(value: str) -> str:
    """The bare number, or the input stripped when it is not a number (a search box)."""
    return bare(value) or value.strip()
