"""Codemod: mark the Chinese that Python code shows on pages for translation.

Run from the repository root (re-runnable: a string already inside ``_()``/``gettext*()`` is left
alone)::

    .venv/bin/python tools/i18n_python.py            # rewrite src/vasops (not tests, migrations)
    .venv/bin/python tools/i18n_python.py --check    # list what would change, exit 1 if any
    .venv/bin/python tools/i18n_python.py FILE...

Only views and forms are rewritten (``views.py``, ``forms.py``, ``*_views.py``, ``*_forms.py``,
``views/``, ``core/listing.py``): actions, rules and tasks write data that others read later in
their own language (work-order titles, notifications). There, only plain string literals holding
Han characters in places that are page text are wrapped:

- keyword arguments ``label=``, ``help_text=``, ``empty_label=``, ``placeholder=``, ``title=``,
  ``empty_text=``, ``verbose_name=``/``verbose_name_plural=``, and the labels of ``choices=[…]``;
- the label (second argument) of ``Column(…)``/``Filter(…)`` of the list pages;
- class attributes ``title``/``empty_text``/``submit_label`` of views;
- ``messages.success/info/warning/error(request, "…")``;
- ``"title": "…"`` in a context dictionary and the first member of each ``("…", url)`` pair of
  ``"breadcrumbs": [...]``.

Inside a function the wrapper is ``gettext`` (a ``str`` in the request's language, safe for
pydantic, ``join`` and string concatenation); at module or class level it is ``gettext_lazy``.
Not touched: f-strings (they need a named placeholder, done by hand), docstrings, log messages,
refusal messages of ``DomainError``, exports and notifications (``tools/i18n_errors.py`` marks
those) and data (demo content).
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from pathlib import Path

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
TRANSLATORS = {
    "_",
    "gettext",
    "gettext_lazy",
    "gettext_noop",
    "ngettext",
    "ngettext_lazy",
    "pgettext",
    "pgettext_lazy",
}
KEYWORDS = {
    "label",
    "help_text",
    "empty_label",
    "placeholder",
    "title",
    "empty_text",
    "verbose_name",
    "verbose_name_plural",
}
CLASS_ATTRS = {"title", "empty_text", "submit_label"}
LABEL_CALLS = {"Column": 1, "Filter": 1}
MESSAGE_LEVELS = {"success", "info", "warning", "error", "debug"}
SKIP_PARTS = {"tests", "migrations", "management", "locale"}
# nav.py labels are translated when the menu is drawn (msgids in core/i18n_vocabulary.py)
SKIP_FILES = {"demo.py", "demo_questions.py", "i18n_vocabulary.py", "nav.py"}


def is_han_literal(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and bool(HAN.search(node.value))


def _call_name(node: ast.Call) -> str:
    f = node.func
    if isinstance(f, ast.Name):
        return f.id
    if isinstance(f, ast.Attribute):
        return f.attr
    return ""


class Finder(ast.NodeVisitor):
    def __init__(self) -> None:
        self.targets: dict[int, tuple[ast.Constant, bool]] = {}  # id -> (node, lazy)
        self.scope: list[str] = []  # "function" | "class"

    @property
    def lazy(self) -> bool:
        return "function" not in self.scope and "lambda" not in self.scope

    def add(self, node: ast.AST | None) -> None:
        if node is not None and is_han_literal(node):
            assert isinstance(node, ast.Constant)
            self.targets[id(node)] = (node, self.lazy)

    def add_choices(self, node: ast.AST) -> None:
        if isinstance(node, ast.List | ast.Tuple):
            for item in node.elts:
                if isinstance(item, ast.Tuple) and len(item.elts) == 2:
                    self.add(item.elts[1])

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self.scope.append("function")
        self.generic_visit(node)
        self.scope.pop()

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self.scope.append("lambda")
        self.generic_visit(node)
        self.scope.pop()

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.scope.append("class")
        for stmt in node.body:
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
                t = stmt.targets[0]
                if isinstance(t, ast.Name) and t.id in CLASS_ATTRS:
                    self.add(stmt.value)
            if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                if stmt.target.id in CLASS_ATTRS:
                    self.add(stmt.value)
        self.generic_visit(node)
        self.scope.pop()

    def visit_Call(self, node: ast.Call) -> None:
        name = _call_name(node)
        if name in TRANSLATORS:
            return  # already marked
        if name.startswith(("log", "debug")) or (isinstance(node.func, ast.Attribute) and name in {"exception"}):
            return
        for kw in node.keywords:
            if kw.arg in KEYWORDS:
                self.add(kw.value)
            if kw.arg == "choices":
                self.add_choices(kw.value)
        if name in LABEL_CALLS and isinstance(node.func, ast.Name) and len(node.args) > LABEL_CALLS[name]:
            self.add(node.args[LABEL_CALLS[name]])
        if (
            name in MESSAGE_LEVELS
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "messages"
            and len(node.args) >= 2
        ):
            self.add(node.args[1])
        self.generic_visit(node)

    def visit_Dict(self, node: ast.Dict) -> None:
        for key, value in zip(node.keys, node.values, strict=True):
            if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
                continue
            if key.value in {"title", "empty_text", "submit_label"}:
                self.add(value)
            if key.value == "breadcrumbs" and isinstance(value, ast.List):
                for item in value.elts:
                    if isinstance(item, ast.Tuple) and item.elts:
                        self.add(item.elts[0])
        self.generic_visit(node)


def _bound_translator(tree: ast.Module) -> dict[str, str]:
    """name -> django function for ``from django.utils.translation import x as y`` imports."""
    out: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation":
            for alias in node.names:
                out[alias.asname or alias.name] = alias.name
    return out


def convert(source: str) -> tuple[str, int]:
    tree = ast.parse(source)
    finder = Finder()
    finder.visit(tree)
    if not finder.targets:
        return source, 0
    bound = _bound_translator(tree)
    underscore = bound.get("_")
    needs: set[str] = set()

    def wrapper(lazy: bool) -> str:
        want = "gettext_lazy" if lazy else "gettext"
        if underscore == want:
            return "_"
        for name, fn in bound.items():
            if fn == want:
                return name
        needs.add(want)
        return want

    lines = source.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line.encode("utf-8")))
    data = source.encode("utf-8")
    edits = []
    for node, lazy in finder.targets.values():
        start = offsets[node.lineno - 1] + node.col_offset
        end = offsets[node.end_lineno - 1] + node.end_col_offset  # type: ignore[operator]
        edits.append((start, end, wrapper(lazy)))
    for start, end, name in sorted(edits, reverse=True):
        data = data[:start] + f"{name}(".encode() + data[start:end] + b")" + data[end:]
    out = data.decode("utf-8")
    if needs:
        line = "from django.utils.translation import " + ", ".join(sorted(needs)) + "\n"
        out = _insert_import(out, line)
    return out, len(edits)


def _insert_import(source: str, line: str) -> str:
    tree = ast.parse(source)
    last = None
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            last = node
        elif last is not None:
            break
    lines = source.splitlines(keepends=True)
    if last is None:
        # after the module docstring and ``from __future__`` line, if any
        index = 0
        if tree.body and isinstance(tree.body[0], ast.Expr) and isinstance(tree.body[0].value, ast.Constant):
            index = tree.body[0].end_lineno or 0
        lines.insert(index, "\n" + line)
        return "".join(lines)
    lines.insert(last.end_lineno or 0, line)
    return "".join(lines)


def is_page_module(path: Path) -> bool:
    """Views and forms: the modules whose strings are page text. Actions, rules and tasks write
    data (work-order titles, notifications, audit reasons) that others read later, in their own
    language: those are not marked here."""
    name = path.name
    return (
        name in {"views.py", "forms.py", "listing.py"}
        or name.endswith(("_views.py", "_forms.py"))
        or path.parent.name == "views"
    )


def files(root: Path) -> list[Path]:
    out = []
    for path in sorted((root / "src" / "vasops").rglob("*.py")):
        if SKIP_PARTS & set(path.parts) or path.name in SKIP_FILES or not is_page_module(path):
            continue
        out.append(path)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="*", type=Path)
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args(argv)
    root = Path(__file__).resolve().parent.parent
    changed = 0
    for path in args.files or files(root):
        source = path.read_text(encoding="utf-8")
        new, n = convert(source)
        if new != source:
            changed += 1
            print(f"{'would mark' if args.check else 'marked'} {n} string(s) in {path}")
            if not args.check:
                path.write_text(new, encoding="utf-8")
    print(f"{changed} file(s) {'to change' if args.check else 'changed'}")
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    sys.exit(main())
