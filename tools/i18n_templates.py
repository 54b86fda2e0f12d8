"""Codemod: put the Chinese written straight into Django templates inside translation tags.

Run from the repository root (re-runnable: text already inside ``{% translate %}`` /
``{% blocktranslate %}`` is left alone, so a second run changes nothing)::

    .venv/bin/python tools/i18n_templates.py            # rewrite every template under src/
    .venv/bin/python tools/i18n_templates.py --check    # list what would change, exit 1 if any
    .venv/bin/python tools/i18n_templates.py FILE...    # only these files

What it does, per template:

- a run of page text between two HTML tags (inline ``<strong>``/``<em>``/``<code>``/``<b>``/``<small>``
  may sit inside the run) that holds Han characters becomes ``{% translate "…" %}``, or
  ``{% blocktranslate with a=expr … %}…{{ a }}…{% endblocktranslate %}`` when ``{{ variables }}``
  sit inside the sentence (``trimmed`` when it spans lines);
- Han text in a quoted HTML attribute (``placeholder="搜索"``) becomes ``{% translate '…' %}``;
- a string literal holding Han in a ``{{ … }}`` filter argument (``|default:"未填写"``,
  ``|date:"Y年m月"``) or in a template tag's arguments becomes ``_("…")`` (Django translates
  ``_()`` literals and ``makemessages`` collects them). ``{% if %}`` comparisons are not touched
  (they would compare against the translation); they are reported instead.

Skipped: ``{# #}``/``{% comment %}``, ``<!-- -->``, ``<script>``/``<style>`` bodies, ``{% verbatim %}``,
and the bodies of existing ``blocktranslate`` blocks. What it cannot rewrite (Han in an ``{% if %}``
argument, a run whose quoting it cannot express) it prints as ``MANUAL`` so a person finishes it.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
TAG_RE = re.compile(r"({%.*?%}|{{.*?}}|{#.*?#})")
INLINE_RE = re.compile(r"</?(strong|b|em|code|small)>|<br\s*/?>")
TAG_NAME_RE = re.compile(r"</?([a-zA-Z][a-zA-Z0-9-]*)")
STRING_LIT = re.compile(r"""(?<![\w)])(_\()?("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')""")
TRANSLATE_TAGS = {"trans", "translate", "blocktrans", "blocktranslate", "endblocktrans", "endblocktranslate"}
SKIP_PAIRS = {
    "comment": "endcomment",
    "verbatim": "endverbatim",
    "blocktrans": "endblocktrans",
    "blocktranslate": "endblocktranslate",
}
RAW_ELEMENTS = {"script", "style"}


@dataclass
class Atom:
    kind: str  # text | inline | var | other | attr
    text: str
    quote: str = ""  # for attr atoms: the attribute's quote character


@dataclass
class Result:
    source: str
    changed: int = 0
    manual: list[str] = field(default_factory=list)


def has_han(s: str) -> bool:
    return bool(HAN.search(s))


def translate_literals(contents: str, *, tag: str, manual: list[str]) -> str:
    """Wrap Han string literals of a ``{{ }}``/``{% %}`` token's contents in ``_()``."""

    def repl(m: re.Match[str]) -> str:
        if m.group(1) or not has_han(m.group(2)):
            return m.group(0)
        return f"_({m.group(2)})"

    if tag in {"if", "elif", "ifchanged", "firstof", "cycle", "with", "url", "load", "extends", "include"}:
        if any(has_han(m.group(2)) and not m.group(1) for m in STRING_LIT.finditer(contents)):
            if tag in {"include", "with"}:
                return STRING_LIT.sub(repl, contents)
            manual.append(f"Han literal in {{% {tag} %}}: {contents.strip()}")
        return contents
    return STRING_LIT.sub(repl, contents)


def _var_name(expr: str, used: dict[str, str]) -> str:
    if expr in used:
        return used[expr]
    base = expr.split("|", 1)[0].strip()
    last = base.rsplit(".", 1)[-1]
    name = re.sub(r"\W", "_", last) or "value"
    if not name[0].isalpha():
        name = "v_" + name
    candidate, n = name, 2
    while candidate in used.values():
        candidate, n = f"{name}{n}", n + 1
    used[expr] = candidate
    return candidate


def _quote_for_translate(text: str) -> str | None:
    if "\n" in text:
        return None
    if '"' not in text:
        return f'"{text}"'
    if "'" not in text:
        return f"'{text}'"
    return None


def render_run(atoms: list[Atom]) -> str:
    """A text run (atoms of kind text/inline/var, Han inside) as a translation tag."""
    variables = [a for a in atoms if a.kind == "var"]
    body = "".join(a.text for a in atoms if a.kind != "var") if not variables else ""
    if not variables:
        quoted = _quote_for_translate(body)
        if quoted is not None:
            return "{% translate " + quoted + " %}"
        return "{% blocktranslate trimmed %}" + body + "{% endblocktranslate %}"
    used: dict[str, str] = {}
    parts: list[str] = []
    bindings: list[str] = []
    for a in atoms:
        if a.kind != "var":
            parts.append(a.text)
            continue
        expr = a.text[2:-2].strip()
        if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", expr):
            used.setdefault(expr, expr)
            parts.append("{{ " + expr + " }}")
            continue
        known = expr in used
        name = _var_name(expr, used)
        if not known:
            bindings.append(f"{name}={expr}")
        parts.append("{{ " + name + " }}")
    text = "".join(parts)
    opts = ""
    if bindings:
        opts += " with " + " ".join(bindings)
    if "\n" in text:
        opts += " trimmed"
    return "{% blocktranslate" + opts + " %}" + text + "{% endblocktranslate %}"


def _balanced(atoms: list[Atom]) -> bool:
    stack: list[str] = []
    for a in atoms:
        if a.kind != "inline" or a.text.startswith("<br"):
            continue
        m = TAG_NAME_RE.match(a.text)
        assert m
        if a.text.startswith("</"):
            if not stack or stack.pop() != m.group(1):
                return False
        else:
            stack.append(m.group(1))
    return not stack


def emit_run(atoms: list[Atom], out: list[str], res: Result) -> None:
    if not any(a.kind == "text" and has_han(a.text) for a in atoms):
        out.extend(a.text for a in atoms)
        return
    # Keep surrounding whitespace and unmatched inline tags outside the tag.
    lead: list[str] = []
    trail: list[str] = []
    atoms = list(atoms)
    while atoms and (atoms[0].kind == "inline" or (atoms[0].kind == "text" and not atoms[0].text.strip())):
        lead.append(atoms.pop(0).text)
    while atoms and (atoms[-1].kind == "inline" or (atoms[-1].kind == "text" and not atoms[-1].text.strip())):
        trail.insert(0, atoms.pop().text)
    if atoms and atoms[0].kind == "text":
        stripped = atoms[0].text.lstrip()
        lead.append(atoms[0].text[: len(atoms[0].text) - len(stripped)])
        atoms[0] = Atom("text", stripped)
    if atoms and atoms[-1].kind == "text":
        stripped = atoms[-1].text.rstrip()
        trail.insert(0, atoms[-1].text[len(stripped) :])
        atoms[-1] = Atom("text", stripped)
    if not _balanced(atoms):
        # Split at the inline tags and translate each piece on its own.
        out.extend(lead)
        piece: list[Atom] = []
        for a in atoms:
            if a.kind == "inline":
                emit_run(piece, out, res)
                out.append(a.text)
                piece = []
            else:
                piece.append(a)
        emit_run(piece, out, res)
        out.extend(trail)
        return
    # Leading/trailing variables that are not part of the sentence stay outside when the sentence
    # has no other variable (``{{ n }} 人`` keeps its variable: it is part of the sentence).
    out.extend(lead)
    out.append(render_run(atoms))
    out.extend(trail)
    res.changed += 1


def emit_attr(atoms: list[Atom], out: list[str], res: Result) -> None:
    text = "".join(a.text for a in atoms)
    if not has_han(text):
        out.append(text)
        return
    quote = atoms[0].quote
    inner = "'" if quote == '"' else '"'
    stripped = text.strip()
    if inner in stripped or "\n" in stripped:
        res.manual.append(f"attribute text: {text!r}")
        out.append(text)
        return
    start = text.index(stripped)
    tag = "{% translate " + inner + stripped + inner + " %}"
    out.append(text[:start] + tag + text[start + len(stripped) :])
    res.changed += 1


def convert(source: str) -> Result:
    res = Result(source)
    pieces = TAG_RE.split(source)
    atoms: list[Atom] = []
    html = "text"  # text | tag | attr | comment | raw
    quote = ""
    tag_name = ""
    raw_name = ""
    skip_until = ""
    for piece in pieces:
        if not piece:
            continue
        if skip_until:
            atoms.append(Atom("other", piece))
            if piece.startswith("{%") and piece[2:-2].split()[:1] == [skip_until]:
                skip_until = ""
            continue
        if piece.startswith("{#"):
            atoms.append(Atom("other", piece))
            continue
        if piece.startswith("{%"):
            contents = piece[2:-2]
            words = contents.split()
            tag = words[0] if words else ""
            if tag in SKIP_PAIRS:
                skip_until = SKIP_PAIRS[tag]
                atoms.append(Atom("other", piece))
                continue
            if tag not in TRANSLATE_TAGS:
                contents = translate_literals(contents, tag=tag, manual=res.manual)
                if contents != piece[2:-2]:
                    res.changed += 1
                piece = "{%" + contents + "%}"
            atoms.append(Atom("other", piece))
            continue
        if piece.startswith("{{"):
            contents = translate_literals(piece[2:-2], tag="", manual=res.manual)
            if contents != piece[2:-2]:
                res.changed += 1
            piece = "{{" + contents + "}}"
            atoms.append(Atom("var" if html == "text" else "other", piece))
            continue
        # Plain text: walk the HTML.
        i = 0
        buf = ""
        kind = "text" if html == "text" else ("attr" if html == "attr" else "other")

        def flush(new_kind: str) -> None:
            nonlocal buf, kind
            if buf:
                atoms.append(Atom(kind, buf, quote if kind == "attr" else ""))  # noqa: B023
            buf = ""
            kind = new_kind

        while i < len(piece):
            ch = piece[i]
            if html == "text":
                if ch == "<":
                    m = INLINE_RE.match(piece, i)
                    if m:
                        flush("text")
                        atoms.append(Atom("inline", m.group(0)))
                        i = m.end()
                        continue
                    if piece.startswith("<!--", i):
                        flush("other")
                        html = "comment"
                        buf += "<!--"
                        i += 4
                        continue
                    m = TAG_NAME_RE.match(piece, i)
                    if m or piece.startswith("<!", i):
                        flush("other")
                        html = "tag"
                        tag_name = m.group(1).lower() if m and not m.group(0).startswith("</") else ""
                        buf += ch
                        i += 1
                        continue
                buf += ch
                i += 1
            elif html == "comment":
                if piece.startswith("-->", i):
                    buf += "-->"
                    i += 3
                    html = "text"
                    flush("text")
                    continue
                buf += ch
                i += 1
            elif html == "raw":
                if piece.lower().startswith(f"</{raw_name}", i):
                    html = "tag"
                    tag_name = ""
                buf += ch
                i += 1
            elif html == "tag":
                if ch in "\"'":
                    buf += ch
                    flush("attr")
                    html, quote = "attr", ch
                    i += 1
                    continue
                buf += ch
                i += 1
                if ch == ">":
                    if tag_name in RAW_ELEMENTS:
                        html, raw_name = "raw", tag_name
                    else:
                        html = "text"
                        flush("text")
            elif html == "attr":
                if ch == quote:
                    flush("other")
                    html = "tag"
                    buf += ch
                    i += 1
                    continue
                buf += ch
                i += 1
        flush(kind)
    # Group runs and emit.
    out: list[str] = []
    run: list[Atom] = []
    attr_run: list[Atom] = []

    def end_runs() -> None:
        nonlocal run, attr_run
        if run:
            emit_run(run, out, res)
            run = []
        if attr_run:
            emit_attr(attr_run, out, res)
            attr_run = []

    for a in atoms:
        if a.kind in {"text", "inline", "var"}:
            if attr_run:
                emit_attr(attr_run, out, res)
                attr_run = []
            run.append(a)
        elif a.kind == "attr":
            if run:
                emit_run(run, out, res)
                run = []
            attr_run.append(a)
        else:
            end_runs()
            out.append(a.text)
    end_runs()
    res.source = "".join(out)
    return res


def ensure_i18n_loaded(source: str) -> str:
    if "{% translate" not in source and "{% blocktranslate" not in source and "_(" not in source:
        return source
    for m in re.finditer(r"{%\s*load\s+([^%]*)%}", source):
        if "i18n" in m.group(1).split():
            return source
    ext = re.match(r"\s*{%\s*extends[^%]*%}", source)
    start = ext.end() if ext else 0
    m = re.compile(r"\s*{%\s*load\s+([^%]*)%}").match(source, start)
    if ext and not m:
        return source[: ext.end()] + "{% load i18n %}" + source[ext.end() :]
    if m:
        return source[: m.start(1)] + "i18n " + source[m.start(1) :]
    return "{% load i18n %}" + source


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="*", type=Path)
    ap.add_argument("--check", action="store_true", help="change nothing; exit 1 when a file would change")
    args = ap.parse_args(argv)
    root = Path(__file__).resolve().parent.parent
    files = args.files or sorted((root / "src").rglob("templates/**/*.html"))
    changed_files = 0
    for path in files:
        source = path.read_text(encoding="utf-8")
        res = convert(source)
        new = ensure_i18n_loaded(res.source)
        for line in res.manual:
            print(f"MANUAL {path}: {line}")
        if new != source:
            changed_files += 1
            print(f"{'would rewrite' if args.check else 'rewrote'} {path} ({res.changed} runs)")
            if not args.check:
                path.write_text(new, encoding="utf-8")
    print(f"{changed_files} template(s) {'to change' if args.check else 'changed'}")
    return 1 if args.check and changed_files else 0


if __name__ == "__main__":
    sys.exit(main())
