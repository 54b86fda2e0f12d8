"""English mode is complete for what is marked: no template holds Chinese outside the translation
tags, and every string marked for translation (templates and Python) has an English entry.

When one fails: run ``tools/i18n_templates.py`` / ``tools/i18n_python.py``, ``make messages``, add
the English of the new entries to ``tools/i18n_en.tsv`` and run ``tools/i18n_fill.py``."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import polib
from django.core.management import call_command

SRC = Path(__file__).resolve().parents[2]  # src/vasops
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
BLOCKTRANS = re.compile(r"{%\s*blocktrans(?:late)?\b.*?%}.*?{%\s*endblocktrans(?:late)?\s*%}", re.S)
COMMENT = re.compile(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}|{#.*?#}", re.S)
TRANS = re.compile(r"{%\s*trans(?:late)?\s.*?%}")
LITERAL = re.compile(r"""_\(("[^"]*"|'[^']*')\)""")
# the language switch names each language in itself (a lang="…" attribute says so)
OWN_LANGUAGE = re.compile(r"<[^>]*\slang=\"[^\"]+\"[^>]*>[^<]*<")


def han_outside_translation(source: str) -> list[str]:
    for pattern in (BLOCKTRANS, COMMENT, TRANS, LITERAL, OWN_LANGUAGE):
        source = pattern.sub(" ", source)
    return [line.strip() for line in source.splitlines() if HAN.search(line)]


def test_no_template_holds_chinese_outside_the_translation_tags():
    templates = sorted(SRC.rglob("templates/**/*.html"))
    assert len(templates) > 50
    found = {
        str(t.relative_to(SRC)): han_outside_translation(t.read_text(encoding="utf-8")) for t in templates
    }
    assert {k: v for k, v in found.items() if v} == {}


def test_the_checker_sees_chinese_written_straight_into_a_template():
    assert han_outside_translation('<p>{% translate "已保存" %}</p><td>未上传</td>') == [
        "<p> </p><td>未上传</td>"
    ]
    assert han_outside_translation("{% blocktranslate with n=x %}共 {{ n }} 条{% endblocktranslate %}") == []
    assert han_outside_translation('{{ x|default:_("未填写") }}') == []


def test_every_string_marked_for_translation_has_english(tmp_path, settings):
    """``makemessages`` over a copy of the sources, into a copy of the catalogue: no entry of
    the result is without English (nor fuzzy, which Django does not use)."""
    work = tmp_path / "vasops"
    shutil.copytree(
        SRC, work, ignore=shutil.ignore_patterns("tests", "migrations", "__pycache__", "static", "*.mo")
    )
    settings.LOCALE_PATHS = [work / "locale"]
    import os

    cwd = os.getcwd()
    os.chdir(work)
    try:
        call_command(
            "makemessages", locale=["en"], no_obsolete=True, verbosity=0, ignore_patterns=["management/*"]
        )
    finally:
        os.chdir(cwd)
    po = polib.pofile(str(work / "locale" / "en" / "LC_MESSAGES" / "django.po"))
    untranslated = [e.msgid for e in po if not e.obsolete and (not e.translated() or "fuzzy" in e.flags)]
    assert len(po) > 1000
    assert untranslated == []


def test_the_committed_catalogue_is_compiled():
    po = SRC / "locale" / "en" / "LC_MESSAGES" / "django.po"
    mo = po.with_suffix(".mo")
    assert mo.exists()
    compiled = polib.mofile(str(mo))
    source = polib.pofile(str(po))
    assert {e.msgid for e in source.translated_entries()} <= {e.msgid for e in compiled}


def _errors_codemod():
    """``tools/i18n_errors.py``, loaded from its file (tools/ is not a package)."""
    import importlib.util

    path = SRC.parents[1] / "tools" / "i18n_errors.py"
    spec = importlib.util.spec_from_file_location("i18n_errors", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_refusal_export_and_notification_text_is_marked():
    """Nothing is left for ``tools/i18n_errors.py`` to mark: a new DomainError message, rule
    problem, export header or notification written in plain Chinese fails here (run the codemod)."""
    codemod = _errors_codemod()
    left = [
        str(path.relative_to(SRC))
        for path in codemod.files(SRC.parents[1])
        if codemod.convert(path.read_text(encoding="utf-8"))[1]
    ]
    assert left == []


def test_the_codemod_turns_an_f_string_refusal_into_a_message_with_named_placeholders():
    codemod = _errors_codemod()
    source = (
        "def retire(p):\n"
        '    raise DomainError(C.RETIRED, f"产品 {p.code} 已于 {p.day:%Y-%m-%d} 下线", clause="规范")\n'
        "def tell(p):\n"
        '    notify.send([p.owner], subject=f"产品“{p.name}”已上线", body="请查看。")\n'
    )
    out, count, _outside = codemod.convert(source)
    assert count == 4
    assert (
        'gettext("产品 %(code)s 已于 %(day)s 下线") % {"code": p.code, "day": format(p.day, "%Y-%m-%d")}'
        in out.replace("'", '"')
    )
    assert 'clause=gettext_noop("规范")' in out.replace("'", '"')
    assert 'notify.text(gettext_noop("产品“%(name)s”已上线"), name=p.name)' in out.replace("'", '"')
    assert 'body=gettext_lazy("请查看。")' in out.replace("'", '"')
    assert codemod.convert(out)[1] == 0  # re-runnable: nothing left the second time
