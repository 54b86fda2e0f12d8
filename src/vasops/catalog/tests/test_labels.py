"""Business-line names in the reader's language: a shipped line's name is the platform's word, a
line staff added reads as they named it."""

from __future__ import annotations

import pytest
from django.utils import translation

from vasops.catalog.labels import SHIPPED_BUSINESS_LINE_NAMES
from vasops.catalog.models import BusinessLine

ENGLISH = {
    "短信": "SMS",
    "彩信": "MMS",
    "WAP": "WAP",
    "IVR": "IVR",
    "KJava": "KJava",
    "流媒体": "Streaming",
    "定位": "Location (LBS)",
    "炫铃": "Colour ring-back tone (CRBT)",
}


@pytest.mark.parametrize(("name", "english"), ENGLISH.items())
def test_shipped_line_reads_in_the_readers_language(name, english):
    line = BusinessLine(code="X", name=name, service_type="90")
    with translation.override("en"):
        assert line.label == english
        assert str(line) == english
        assert str(line.label_lazy) == english
    with translation.override("zh-hans"):
        assert line.label == name
        assert str(line) == name
        assert str(line.label_lazy) == name


def test_every_shipped_name_has_an_english_word():
    assert set(ENGLISH) == SHIPPED_BUSINESS_LINE_NAMES


@pytest.mark.parametrize("name", ["号簿助手", "Mobile games"])
def test_staff_named_line_reads_as_typed(name):
    line = BusinessLine(code="Y", name=name, service_type="91")
    for language in ("en", "zh-hans"):
        with translation.override(language):
            assert line.label == name
            assert str(line) == name
            assert str(line.label_lazy) == name
