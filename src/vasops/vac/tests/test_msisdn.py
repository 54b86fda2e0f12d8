"""The one MSISDN module: every spelling of a mobile number, in its bare and its 86 form."""

from __future__ import annotations

import pytest

from vasops.vac import msisdn


@pytest.mark.parametrize(
    ("value", "bare", "with_code"),
    [
        ("13012345678", "13012345678", "8613012345678"),
        ("8613012345678", "13012345678", "8613012345678"),
        ("+8613012345678", "13012345678", "8613012345678"),
        ("  8613012345678\t", "13012345678", "8613012345678"),
        ("23012345678", None, None),  # mobile numbers start with 1
        ("1301234567", None, None),  # 10 digits
        ("130123456789", None, None),  # 12 digits
        ("8623012345678", None, None),
        ("+13012345678", None, None),  # a + needs the country code
        ("1301234567x", None, None),
        ("", None, None),
    ],
)
def test_every_spelling_gives_the_bare_and_the_86_form(value, bare, with_code):
    assert msisdn.bare(value) == bare
    assert msisdn.with_country_code(value) == with_code


def test_a_search_box_keeps_what_is_not_a_number():
    assert msisdn.bare_or_stripped(" +8613012345678 ") == "13012345678"
    assert msisdn.bare_or_stripped(" 12345 ") == "12345"
