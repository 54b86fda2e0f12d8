"""Pure rules of the partner registry, at their boundaries."""

from __future__ import annotations

import datetime as dt

import pytest

from vasops.partners import rules
from vasops.partners.rules import QualificationFact, RestrictionFact

D = dt.date

SP_COMMON = {
    "business_licence",
    "tax_registration",
    "bank_account_proof",
    "sms_code_certificate",
    "third_party_content_licence",
}


@pytest.mark.parametrize(
    ("kind", "locality", "expected"),
    [
        ("SP", "local", {"vas_licence"} | SP_COMMON),
        ("SP", "out_of_province", {"cross_regional_licence", "provincial_filing"} | SP_COMMON),
        # 第二章 一(五)1: an AP meets every basic condition, as an SP does
        ("AP", "local", {"vas_licence"} | SP_COMMON),
        ("AP", "out_of_province", {"cross_regional_licence", "provincial_filing"} | SP_COMMON),
        ("CP", "local", {"business_licence", "content_source_proof"}),
        ("CP", "out_of_province", {"business_licence", "content_source_proof"}),
    ],
)
def test_required_qualifications_depend_on_kind_and_locality(kind, locality, expected):
    assert set(rules.required_qualifications(kind, locality)) == expected


def test_local_sp_does_not_need_cross_regional_licence_and_out_of_province_sp_does_not_need_vas_licence():
    assert "cross_regional_licence" not in rules.required_qualifications("SP", "local")
    assert "vas_licence" not in rules.required_qualifications("SP", "out_of_province")


def _all_held(kind, locality, valid_until):
    return [
        QualificationFact(k, valid_until, D(2026, 3, 1))
        for k in rules.required_qualifications(kind, locality)
    ]


@pytest.mark.parametrize(
    ("on", "expired"),
    [(D(2026, 6, 29), False), (D(2026, 6, 30), False), (D(2026, 7, 1), True)],
)
def test_certificate_is_valid_on_its_last_day_and_expired_the_next_day(on, expired):
    fact = QualificationFact("business_licence", D(2026, 6, 30))
    assert rules.is_expired(fact, on) is expired
    problems = rules.qualification_problems("CP", "local", _all_held("CP", "local", D(2026, 6, 30)), on, {})
    assert [p.code for p in problems] == (["partners.qualification_expired"] * 2 if expired else [])


def test_open_ended_certificate_never_expires():
    assert not rules.is_expired(QualificationFact("business_licence", None), D(2099, 1, 1))


def test_missing_certificate_is_named_in_the_problem():
    held = [QualificationFact("business_licence", None, D(2025, 6, 1))]
    problems = rules.qualification_problems(
        "CP", "local", held, D(2026, 1, 5), {"content_source_proof": "内容来源合法证明"}
    )
    assert [p.code for p in problems] == ["partners.qualification_missing"]
    assert "内容来源合法证明" in problems[0].message
    assert problems[0].clause == rules.CLAUSE_CP


@pytest.mark.parametrize(
    ("on", "current"),
    [(D(2026, 3, 9), True), (D(2026, 3, 10), False)],
)
def test_a_cp_business_licence_needs_an_annual_inspection_of_the_past_year(on, current):
    """第二章 一(五)2 企业法人营业执照及年检通过记录: the inspection of 2025-03-10 counts
    through 2026-03-09."""
    held = [
        QualificationFact("business_licence", None, D(2025, 3, 10)),
        QualificationFact("content_source_proof", None),
    ]
    problems = rules.qualification_problems("CP", "local", held, on, {"business_licence": "营业执照"})
    if current:
        assert problems == []
    else:
        assert [p.code for p in problems] == ["partners.annual_inspection_missing"]
        assert problems[0].clause == "《日常事务办理规范》第二章 一(五)2"
        assert "2025-03-10" in problems[0].message


def test_a_cp_business_licence_without_any_annual_inspection_is_refused():
    held = [QualificationFact("business_licence", None), QualificationFact("content_source_proof", None)]
    problems = rules.qualification_problems("CP", "local", held, D(2026, 1, 5), {})
    assert [p.code for p in problems] == ["partners.annual_inspection_missing"]


def test_an_sp_qualification_is_not_refused_for_a_missing_annual_inspection():
    held = [QualificationFact(k, None) for k in rules.required_qualifications("SP", "local")]
    assert rules.qualification_problems("SP", "local", held, D(2026, 1, 5), {}) == []


@pytest.mark.parametrize(
    ("days_left", "due"),
    [(31, None), (30, 30), (29, 30), (8, 30), (7, 7), (1, 7), (0, 7), (-1, None)],
)
def test_reminder_due_30_and_7_days_before_expiry(days_left, due):
    until = D(2026, 3, 31)
    assert rules.reminder_due(until, until - dt.timedelta(days=days_left)) == due


def test_no_reminder_for_open_ended_certificate():
    assert rules.reminder_due(None, D(2026, 1, 1)) is None


@pytest.mark.parametrize(
    ("number", "accepted"),
    [
        ("8001234567", True),
        ("800-123-4567", True),
        ("4001234567", True),
        ("400 123 4567", True),
        ("10101234", True),
        ("1010-1234", True),
        ("1010123", True),  # 1010xxx: 3 digits after 1010 (第二章 一(四)1)
        ("1010 123", True),
        ("101012", False),  # 1010 + 2 digits
        ("02788888888", False),  # Wuhan landline
        ("027-88888888", False),
        ("13912345678", False),  # mobile
        ("80012345", False),  # 800 too short
        ("40012345678", False),  # 400 too long
        ("101012345", False),  # 1010 + 5 digits
        ("95555", False),
        ("", False),
    ],
)
def test_hotline_accepts_only_800_400_1010_numbers(number, accepted):
    assert (rules.hotline_problem(number) is None) is accepted


def test_hotline_refusal_names_the_clause():
    assert "第二章 一(四)" in (rules.hotline_problem("02788888888") or "")


def test_mobile_hotline_is_refused_saying_it_is_a_mobile_number():
    assert "手机" in (rules.hotline_problem("13912345678") or "")


@pytest.mark.parametrize(
    ("code", "valid"),
    [
        ("91350100M000100Y43", True),
        ("91350100m000100y43", True),  # lower case is normalised
        ("91350100M000100Y44", False),  # wrong check character
        ("91350100M000100Y4", False),  # 17 characters
        ("91350100M000100Y433", False),  # 19 characters
        ("91350100I000100Y43", False),  # I is not in the charset
    ],
)
def test_unified_social_credit_code_is_validated(code, valid):
    assert (rules.credit_code_problem(code) is None) is valid


# --- restrictions ------------------------------------------------------------------------


def test_lockout_from_2026_01_15_ends_2026_04_14():
    end = rules.restriction_end("lockout", D(2026, 1, 15))
    assert end == D(2026, 4, 14)
    r = RestrictionFact("lockout", D(2026, 1, 15), end)
    assert rules.is_in_force(r, D(2026, 4, 14))
    assert not rules.is_in_force(r, D(2026, 4, 15))
    assert not rules.is_in_force(r, D(2026, 1, 14))


def test_ban_lasts_one_year_to_the_day():
    end = rules.restriction_end("ban", D(2026, 3, 10))
    assert end == D(2027, 3, 9)
    r = RestrictionFact("ban", D(2026, 3, 10), end)
    assert rules.is_in_force(r, D(2027, 3, 9))
    assert not rules.is_in_force(r, D(2027, 3, 10))


def test_violation_exclusion_lasts_six_months():
    end = rules.restriction_end("violation_exclusion", D(2026, 2, 1))
    assert end == D(2026, 7, 31)


def test_blacklist_looks_back_half_a_year():
    """第二章 二、1 以往半年内: a bad credit record of 2026-01-15 bars through 2026-07-14."""
    record = D(2026, 1, 15)
    end = rules.restriction_end("blacklist", record)
    assert end == D(2026, 7, 14)
    r = RestrictionFact("blacklist", record, end)
    last_day = rules.restriction_problems([r], D(2026, 7, 14))
    assert [p.code for p in last_day] == ["partners.blacklisted"]
    assert last_day[0].clause == "《日常事务办理规范》第二章 二、1"
    assert rules.restriction_problems([r], D(2026, 7, 15)) == []


def test_blacklist_of_the_end_of_a_month_ends_on_the_month_end_half_a_year_later():
    # 2026-08-31 + 6 months = 2027-02-28 (no 31st): barred through 2027-02-27
    assert rules.restriction_end("blacklist", D(2026, 8, 31)) == D(2027, 2, 27)


def test_major_violation_has_no_end():
    assert rules.restriction_end("major_violation", D(2026, 1, 1)) is None
    assert rules.is_in_force(RestrictionFact("major_violation", D(2026, 1, 1), None), D(2099, 1, 1))


def test_lifted_restriction_is_not_in_force():
    assert not rules.is_in_force(
        RestrictionFact("blacklist", D(2026, 1, 1), None, lifted=True), D(2026, 2, 1)
    )


def test_violation_exclusion_refuses_only_its_business_line():
    r = RestrictionFact("violation_exclusion", D(2026, 1, 1), D(2026, 6, 30), business_line="WAP")
    on = D(2026, 3, 1)
    assert [p.code for p in rules.restriction_problems([r], on, business_lines=["WAP"])] == [
        "partners.violation_excluded"
    ]
    assert rules.restriction_problems([r], on, business_lines=["SMS"]) == []
    assert len(rules.restriction_problems([r], on, business_lines=None)) == 1


@pytest.mark.parametrize(
    ("kind", "code"),
    [
        ("blacklist", "partners.blacklisted"),
        ("lockout", "partners.locked_out"),
        ("ban", "partners.banned"),
        ("major_violation", "partners.major_violation"),
    ],
)
def test_each_restriction_in_force_refuses_with_its_code(kind, code):
    start = D(2026, 1, 1)
    r = RestrictionFact(kind, start, rules.restriction_end(kind, start))
    problems = rules.restriction_problems([r], D(2026, 1, 2))
    assert [p.code for p in problems] == [code]
    assert problems[0].clause == rules.RESTRICTION_CLAUSES[kind]


def test_credit_grade_fail_refuses():
    assert [p.code for p in rules.restriction_problems([], D(2026, 1, 1), credit_grade="fail")] == [
        "partners.credit_fail"
    ]
    assert rules.restriction_problems([], D(2026, 1, 1), credit_grade="pass") == []


@pytest.mark.parametrize(
    ("held", "until", "on", "status", "days_left"),
    [
        (False, None, D(2026, 1, 1), "missing", None),
        (True, None, D(2026, 1, 1), "valid", None),
        (True, D(2026, 3, 1), D(2026, 1, 1), "valid", 59),
        (True, D(2026, 1, 31), D(2026, 1, 1), "expiring", 30),
        (True, D(2026, 1, 1), D(2026, 1, 1), "expiring", 0),
        (True, D(2025, 12, 31), D(2026, 1, 1), "expired", -1),
    ],
)
def test_checklist_status(held, until, on, status, days_left):
    st = rules.qualification_status(held, until, on)
    assert (st.status, st.days_left) == (status, days_left)
