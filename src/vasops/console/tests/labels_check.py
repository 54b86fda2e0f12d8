"""What a person must not read on a page: codes (``admission.application_created``,
``qualification:vas_licence``, ``om_engineer``), Python reprs (``True``, ``{'name': …}``) and, in
English mode, Han characters outside user data."""

from __future__ import annotations

import re
from collections.abc import Iterable

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
# word.word / word:word / snake_case, lower-case ASCII, not part of an e-mail, path, URL or file name
CODE = re.compile(
    r"(?<![\w@./:-])"
    r"(?:[a-z][a-z0-9]*(?:_[a-z0-9]+)*[.:][a-z][a-z0-9]*(?:_[a-z0-9]+)*"
    r"|[a-z][a-z0-9]*(?:_[a-z0-9]+)+)"
    r"(?![\w@/-]|[.:]\w)"
)
REPR = re.compile(r"(?<![\w-])(?:True|False|None)(?![\w-])|\{'|\['|<\w+ object at")
FILE_EXT = re.compile(r"\.(pdf|png|jpe?g|xlsx?|csv|zip|txt|docx?|pptx?|svg|html?)$", re.I)
# Words that look like codes but are what a person reads: host names of the demo's e-mail
# addresses, the product's own name, and the notification protocol's field names that the
# partner's developer must type (the endpoint page explains the signature with them).
ALLOWED = {"vasops", "carrier.example", "partner.example", "expert.example", "time_stamp"}
# English abbreviations the pattern reads as word.word (before their final dot): "e.g. 99.5",
# "8:43 a.m." — words of the English mode, never one of our codes
ENGLISH_ABBREVIATIONS = {"e.g", "i.e", "a.m", "p.m"}


def code_problems(text: str, user_data: Iterable[str] = ()) -> list[str]:
    for value in sorted(set(user_data), key=len, reverse=True):
        if len(value) >= 3 or HAN.search(value):
            text = text.replace(value, " ")
    found = []
    for m in CODE.finditer(text):
        word = m.group(0)
        if word in ALLOWED or word in ENGLISH_ABBREVIATIONS or FILE_EXT.search(word):
            continue
        found.append(f"code {word!r} in …{text[max(0, m.start() - 30) : m.end() + 30]!r}…")
    for m in REPR.finditer(text):
        found.append(f"repr {m.group(0)!r} in …{text[max(0, m.start() - 30) : m.end() + 30]!r}…")
    return found


def han_problems(text: str, user_data: Iterable[str] = ()) -> list[str]:
    for value in sorted(set(user_data), key=len, reverse=True):
        if HAN.search(value):
            text = text.replace(value, " ")
    return [
        f"Han {m.group(0)!r} in …{text[max(0, m.start() - 30) : m.end() + 30]!r}…" for m in HAN.finditer(text)
    ]


def user_data_strings() -> list[str]:
    """Every text value people typed or imported (names, reasons, titles …): what the pages may
    show verbatim in any language. Read from every CharField/TextField of the project's models."""
    from django.apps import apps
    from django.db import models

    values: set[str] = set()
    for model in apps.get_models():
        if not (model.__module__.startswith("vasops.") or model._meta.label == "auth.User"):
            continue
        if model._meta.label == "core.AuditEvent":
            continue  # its action/object_type are codes; its reason is also on the object
        fields = [
            f.name
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField) and not getattr(f, "choices", None)
        ]
        if not fields:
            continue
        for row in model._default_manager.values_list(*fields)[:20000]:
            for v in row:
                if not isinstance(v, str) or not v.strip():
                    continue
                # a stored code (a document kind, a state) is not what a person typed
                if CODE.fullmatch(v.strip()) and model._meta.label != "core.User":
                    continue
                values.add(v.strip())
                values.update(line.strip() for line in v.splitlines() if line.strip())
    return sorted(values, key=len, reverse=True)


def problems(text: str, lang: str, user_data: Iterable[str] = ()) -> list[str]:
    found = code_problems(text, user_data)
    if lang == "en":
        # "None" is the English of 无 (no evidence, no action); a Python None that leaks into a
        # page shows in both languages, and the Chinese walk of the same page finds it there
        found = [p for p in found if not p.startswith("repr 'None'")]
        found += han_problems(text, user_data)
    return found
