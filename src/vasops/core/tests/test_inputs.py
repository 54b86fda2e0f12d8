"""The input policy (core.inputs) itself: characters, blank, lengths, integer bounds; on forms,
API schemas and saved rows."""

from __future__ import annotations

import pytest
from django import forms
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from vasops.core import inputs
from vasops.core.forms import StyledFormMixin
from vasops.core.inputs import InputError, InputSchema, int_field, model_field, text_field
from vasops.core.models import WorkCalendar

C0 = [chr(c) for c in range(0x20)]
C1 = [chr(c) for c in range(0x7F, 0xA0)]
SURROGATES = st.integers(0xD800, 0xDFFF).map(chr)
ALLOWED_IN_TEXT = {"\t", "\n", "\r"}

# text without anything the policy refuses (letters, CJK, punctuation, spaces)
clean = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cc", "Cs"), blacklist_characters="\ufffe\uffff", min_codepoint=0x20
    )
)
bad_char = st.sampled_from([c for c in C0 + C1 if c not in ALLOWED_IN_TEXT]) | SURROGATES


@given(clean)
def test_clean_text_is_accepted_on_one_line_and_in_text(value):
    assert inputs.text_problem(value) is None
    assert inputs.text_problem(value, multiline=True) is None


@given(clean, bad_char, clean, st.booleans())
def test_any_control_character_or_lone_surrogate_is_refused_wherever_it_is(before, bad, after, multiline):
    problem = inputs.text_problem(before + bad + after, multiline=multiline)
    assert problem is not None
    assert f"第 {len(before) + 1} 个字符" in problem


@given(clean, st.sampled_from(sorted(ALLOWED_IN_TEXT)), clean)
def test_tab_and_newline_only_in_multi_line_text(before, ch, after):
    assert inputs.text_problem(before + ch + after, multiline=True) is None
    assert "只能填写一行" in inputs.text_problem(before + ch + after, multiline=False)


@given(clean, st.integers(1, 50))
def test_clean_text_strips_and_bounds_the_length(value, max_length):
    stripped = value.strip()
    if not stripped:
        with pytest.raises(InputError, match="不能为空"):
            inputs.clean_text(value, field="name", max_length=max_length)
    elif len(stripped) > max_length:
        with pytest.raises(InputError, match=f"最多 {max_length} 个字符"):
            inputs.clean_text(value, field="name", max_length=max_length)
    else:
        assert inputs.clean_text(value, field="name", max_length=max_length) == stripped


def test_nul_and_noncharacters_are_named():
    assert "NUL" in inputs.text_problem("a\x00b")
    assert "U+D800" in inputs.text_problem("\ud800")
    assert inputs.text_problem("\ufffe") is not None


def test_limits_come_from_the_model_field():
    note = inputs.limits_of(WorkCalendar, "note")
    assert (note.kind, note.max_length, note.multiline) == (
        "text",
        WorkCalendar._meta.get_field("note").max_length,
        False,
    )
    from vasops.core.models import Document

    size = inputs.limits_of(Document, "size")  # PositiveBigIntegerField
    assert (size.minimum, size.maximum) == (0, 2**63 - 1)


# --- forms --------------------------------------------------------------------------------


class _Form(StyledFormMixin, forms.Form):
    input_model = WorkCalendar
    note = forms.CharField(required=False)  # maps to WorkCalendar.note
    title = forms.CharField()
    body = forms.CharField(widget=forms.Textarea, required=False)
    count = forms.IntegerField(required=False)


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"title": "a\x00b"}, "title", "NUL"),  # Django's own null-character message
        ({"title": "a\x01b"}, "title", "控制字符 U+0001"),
        ({"title": "a\nb"}, "title", "只能填写一行"),
        ({"title": "   "}, "title", "必填"),
        ({"title": "x", "note": "n" * 101}, "note", "100"),
        ({"title": "x", "count": str(2**31)}, "count", "2147483647"),
        ({"title": "x" * 1001}, "title", "1000"),
    ],
)
def test_every_form_refuses_what_the_policy_refuses(data, field, words):
    form = _Form(data)
    assert not form.is_valid()
    assert words in " ".join(form.errors[field])


def test_forms_keep_newlines_in_text_areas_and_strip():
    form = _Form({"title": "  标题 ", "body": "第一行\r\n第二行\t完"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["title"] == "标题"
    assert form.cleaned_data["body"] == "第一行\r\n第二行\t完"


# --- API schemas --------------------------------------------------------------------------


class _In(InputSchema):
    name: str = model_field(WorkCalendar, "note", required=True)
    text: str = text_field(max_length=20, multiline=True, required=False)
    fee_fen: int = int_field(ge=0, le=2**31 - 1)
    details: dict[str, str] = {}


def test_schema_strips_and_accepts_clean_values():
    v = _In(name=" 元旦 ", text="a\nb", fee_fen=500, details={"k": " v "})
    assert (v.name, v.text, v.details) == ("元旦", "a\nb", {"k": "v"})


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"name": "a\x00"}, "NUL"),
        ({"name": "\ud800"}, "代理字符"),
        ({"name": "   "}, "不能为空"),
        ({"name": "x" * 101}, "最多 100 个字符"),
        ({"name": "x", "fee_fen": 2**31}, "less than or equal"),
        ({"name": "x", "details": {"k": "\x07"}}, "控制字符"),
    ],
)
def test_schema_refuses_with_a_message_naming_the_problem(data, words):
    with pytest.raises(ValidationError) as info:
        _In(**{"fee_fen": 1, **data})
    assert words in str(info.value)


def test_schema_publishes_its_limits():
    props = _In.model_json_schema()["properties"]
    assert props["name"]["maxLength"] == 100 and props["name"]["minLength"] == 1
    assert props["name"]["pattern"] == inputs.PATTERN_LINE_REQUIRED
    assert props["text"]["pattern"] == inputs.PATTERN_TEXT
    assert (props["fee_fen"]["minimum"], props["fee_fen"]["maximum"]) == (0, 2**31 - 1)


@given(clean.filter(lambda s: s.strip() and len(s.strip()) <= 100))
def test_the_published_pattern_agrees_with_the_policy(value):
    import re

    assert re.fullmatch(inputs.PATTERN_LINE_REQUIRED, value) is not None
    assert _In(name=value, fee_fen=0).name == value.strip()


# --- the storage guard --------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("note", "words"), [("a\x00b", "NUL"), ("\udfff", "代理字符"), ("x" * 101, "最多 100 个字符")]
)
def test_a_row_the_database_cannot_hold_is_refused_before_the_database(note, words):
    import datetime as dt

    with pytest.raises(InputError, match=words) as info:
        WorkCalendar.objects.create(date=dt.date(2031, 1, 1), is_working_day=True, note=note)
    assert info.value.field == "note"
    assert info.value.code == "core.validation"
