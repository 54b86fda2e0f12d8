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


# The JSON fields that hold what a person typed, read by ``user_data_strings`` beside the
# Char/TextFields: (model, field, keys whose values are codes the platform chose, not typed).
# Every other JSONField is written by the platform (audit before/after, exam paper snapshots and
# answers, review weights, settlement manifests, compliance evidence, VAC lists …) and stays checked:
# a code or a Chinese word the platform put there must read in words on the page.
TYPED_JSON_FIELDS: list[tuple[str, str, frozenset[str]]] = [
    # the partner's access data (portal form, free text) and the 附件5 opening data staff type
    ("admission.Application", "access_data", frozenset()),
    ("admission.Application", "opening_data", frozenset()),
    # a basic-information change request: what the partner admin typed, and the values it
    # replaces (typed at registration or by an earlier change); a contact's role is a choice
    ("partners.PartnerChangeRequest", "proposed", frozenset({"role"})),
    ("partners.PartnerChangeRequest", "current", frozenset({"role"})),
    # a product's business-line extra items (附件2, the partner's product form)
    ("catalog.Product", "details", frozenset()),
]
# Not listed although typed: the exam bank's options and the expert pool's specialities. They are
# single words (an option "驳回", a speciality "短信"), and user data is taken out of a page by
# substring: listed, they would hide the same word wherever the platform forgot to translate it
# (the option "驳回" hid an untranslated 驳回 button of the change-request page).


def _typed_strings(value: object, skip_keys: frozenset[str]) -> list[str]:
    """The string values of a typed JSON value, recursively (keys are names, not typed)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() if k not in skip_keys for s in _typed_strings(v, skip_keys)]
    if isinstance(value, list):
        return [s for v in value for s in _typed_strings(v, skip_keys)]
    return []


def user_data_strings() -> list[str]:
    """Every text value people typed or imported (names, reasons, titles …): what the pages may
    show verbatim in any language. Read from every CharField/TextField of the project's models,
    and from the string values of the JSON fields in ``TYPED_JSON_FIELDS``."""
    from django.apps import apps
    from django.db import models

    from vasops.catalog.labels import SHIPPED_BUSINESS_LINE_NAMES

    values: set[str] = set()

    def add(v: object, label: str) -> None:
        if not isinstance(v, str) or not v.strip():
            return
        # a stored code (a document kind, a state) is not what a person typed
        if CODE.fullmatch(v.strip()) and label != "core.User":
            return
        values.add(v.strip())
        values.update(line.strip() for line in v.splitlines() if line.strip())

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
        # the shipped business lines' names are the platform's words (``BusinessLine.label``), read
        # in the page's language; a line staff added keeps its name as typed
        shipped = model._meta.label == "catalog.BusinessLine"
        for row in model._default_manager.values_list(*fields)[:20000]:
            for name, v in zip(fields, row, strict=True):
                if shipped and name == "name" and v in SHIPPED_BUSINESS_LINE_NAMES:
                    continue
                add(v, model._meta.label)
    # an expert's specialities as the audit history shows a recorded list ("IVR、流媒体"): the
    # value typed then, not a platform word (the pages themselves show ``speciality_labels``)
    Expert = apps.get_model("admission", "Expert")
    for specialities in Expert.objects.values_list("specialities", flat=True)[:20000]:
        if isinstance(specialities, list) and len(specialities) > 1:
            add("、".join(str(s) for s in specialities), "admission.Expert")
    for label, field, skip_keys in TYPED_JSON_FIELDS:
        model = apps.get_model(label)
        assert isinstance(model._meta.get_field(field), models.JSONField), (label, field)
        for v in model._default_manager.values_list(field, flat=True)[:20000]:
            for s in _typed_strings(v, skip_keys):
                add(s, label)
    return sorted(values, key=len, reverse=True)


def problems(text: str, lang: str, user_data: Iterable[str] = ()) -> list[str]:
    found = code_problems(text, user_data)
    if lang == "en":
        # "None" is the English of 无 (no evidence, no action); a Python None that leaks into a
        # page shows in both languages, and the Chinese walk of the same page finds it there
        found = [p for p in found if not p.startswith("repr 'None'")]
        found += han_problems(text, user_data)
    return found
