"""Fill the English catalogue's empty (and fuzzy) entries from ``tools/i18n_en.tsv``.

The dictionary is written by people (one ``中文<TAB>English`` pair a line, ``## `` starts a comment; no machine
translation; ``\\n`` stands for a line break inside a message); this script only copies it into
``src/vasops/locale/en/LC_MESSAGES/django.po`` and compiles the ``.mo``. The order after adding or
changing Chinese text::

    .venv/bin/python tools/i18n_templates.py          # Chinese in templates -> translate tags
    .venv/bin/python tools/i18n_python.py             # Chinese page text in views/forms -> _()
    make messages                                     # makemessages -l en (see the Makefile)
    # add the new msgids' English to tools/i18n_en.tsv
    .venv/bin/python tools/i18n_fill.py               # fill, report what is still missing, compile

Exit status 1 when an entry is still without English (``--check`` changes nothing).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "src" / "vasops" / "locale" / "en" / "LC_MESSAGES" / "django.po"
DICTIONARY = Path(__file__).resolve().parent / "i18n_en.tsv"


def load_dictionary(path: Path = DICTIONARY) -> dict[str, str]:
    table: dict[str, str] = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("## "):
            continue
        zh, sep, en = line.partition("\t")
        if not sep or not en.strip():
            raise SystemExit(f"{path}:{n}: expected 中文<TAB>English")
        # a line break inside a message (a notification's body) is written \n
        table[zh.replace("\\n", "\n")] = en.replace("\\n", "\n")
    return table


def missing(po: polib.POFile) -> list[polib.POEntry]:
    return [e for e in po if not e.obsolete and (not e.translated() or "fuzzy" in e.flags)]


def fill(po: polib.POFile, table: dict[str, str]) -> int:
    filled = 0
    for entry in missing(po):
        en = table.get(entry.msgid)
        if en is None:
            continue
        if entry.msgid_plural:
            entry.msgstr_plural = {0: en, 1: table.get(entry.msgid_plural, en)}
        else:
            entry.msgstr = en
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
        entry.previous_msgid = entry.previous_msgid_plural = entry.previous_msgctxt = None
        filled += 1
    return filled


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="change nothing; list the entries without English")
    args = ap.parse_args(argv)
    po = polib.pofile(str(PO), wrapwidth=0)
    if not args.check:
        n = fill(po, load_dictionary())
        po.save(str(PO))
        print(f"filled {n} entries")
        subprocess.run(["msgfmt", "--check-format", "-o", str(PO.with_suffix(".mo")), str(PO)], check=True)
    left = missing(po)
    for entry in left:
        print(f"no English: {entry.msgid!r}")
    return 1 if left else 0


if __name__ == "__main__":
    sys.exit(main())
