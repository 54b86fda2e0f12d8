"""Codemod: mark the Chinese of refusals (``DomainError`` messages and the rule problems behind
them), of Excel exports and of notifications for translation, so a refusal or a download reads
in the language of the request that caused it, and a notification in its recipient's.

Run from the repository root (re-runnable: a message already inside ``gettext()`` is left alone)::

    .venv/bin/python tools/i18n_errors.py            # rewrite src/vasops (not tests, migrations)
    .venv/bin/python tools/i18n_errors.py --check    # list what would change, exit 1 if any
    .venv/bin/python tools/i18n_errors.py FILE...

What is a refusal message:

- the message argument of ``DomainError(code, message)``, ``PermissionDenied(message)``,
  ``NotFound(message)``, ``required_text(text, code, message)``, ``Problem(code, message)``,
  admission's ``problems_error(code, problems, intro)`` and
  the API's ``_error(request, status, code, message)`` / ``error_body(code, message, status)``,
  ``InputError(message)``, ``ImportFileError(message)``, ``ImportRefused(code, errors, message)``
  an import's row errors (``RowError(row, column, why)``, ``errors.add(row, column, why)``,
  ``bad(key, why)``), a parser's ``ValueError(message)`` (its text becomes a row error's or a
  refusal's) and ``PydanticCustomError(type, template)``;
- the ``label=`` of ``fsm.transition(obj, name, label=…)`` (the act an illegal transition names);
- inside a function named ``*_problem``/``*_problems`` (the pure rules that say what is wrong):
  the text it returns (``return "…"``, ``return [f"…", …]``) or appends (``out.append("…")``).

How it is rewritten (inside a function: ``gettext``, which is ``_`` when the module binds ``_``
to it; at module or class level nothing is rewritten, the script names the place instead):

- ``"产品已下线。"`` → ``gettext("产品已下线。")``;
- ``f"产品 {p.code} 已下线"`` → ``gettext("产品 %(code)s 已下线") % {"code": p.code}`` — one named
  placeholder per expression, named after it (``p.code`` → ``code``, ``x.get_state_display()``
  → ``state``, ``len(rows)`` → ``rows_count``, a clash gets a number); a format spec stays with
  the value (``{d:%Y-%m}`` → ``format(d, "%Y-%m")``; a spec in Chinese, such as ``%Y年%m月``, is
  itself translated), ``!r`` becomes ``repr()``;
- ``"不能申报：" + text`` (a ``+`` chain with Chinese in it) → one message with placeholders;
- ``a if c else b`` and ``x or "…"``: each Chinese branch on its own;
- a variable of the same function that goes into a message (``wait = f"请 {n} 秒后重试。"``)
  is rewritten where it is assigned.

Exports: in a function that builds an Excel workbook (it calls ``Workbook()``), every Chinese
text — sheet titles, headers, row labels — is marked the same way, so a download follows the
language of the user who asks for it (not in an import template, ``def *template*``: the
importer reads its Chinese headers).

Notifications: the subject and body of ``notify.send(…)`` and of the apps' helpers
(``notify_partner``, ``notify_staff``, ``_notify_partner``) — and the variables only they use —
become lazy texts, rendered once per recipient in the recipient's language (``User.language``):
``"…"`` → ``gettext_lazy("…")``, ``f"产品“{p.name}”已上线"`` →
``notify.text(gettext_noop("产品“%(name)s”已上线"), name=p.name)`` (a date with a Chinese spec:
``notify.formatted(d, gettext_noop("%Y年%m月"))``).

Clauses (the carrier standard's text a refusal names) keep their value and are only marked for
the catalogue with ``gettext_noop`` — ``DomainError.full_message`` translates the clause when it
shows it: module-level ``CLAUSE… = "…"``, the values of a module-level ``…CLAUSES = {…}`` dict
and ``clause="…"`` arguments. A clause built with an f-string is named, not rewritten (write it
as one literal).

A ``%`` in the text of a message with placeholders is doubled. The Chinese text stays identical
in Chinese mode: the msgid is the text itself.
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
import unicodedata
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
# call name -> position of the message argument (a ``message=`` keyword counts too)
MESSAGE_ARGS = {
    "DomainError": 1,
    "PermissionDenied": 0,
    "NotFound": 0,
    "required_text": 2,
    "problems_error": 2,
    "Problem": 1,
    "_error": 3,
    "error_body": 1,
    "InputError": 0,
    "ImportFileError": 0,
    "ImportRefused": 2,
    "RowError": 2,  # an import's row error: (row, column, why)
    "bad": 1,  # the importers' ``bad(column_key, why)``
    "ValueError": 0,  # a parser's refusal, shown as the reason of a row error or a DomainError
    "PydanticCustomError": 1,  # an input-policy refusal of the API (a ``{name}`` template)
}
# ``errors.add(line, column, why)``: the row errors an import collects
ERRORS_ADD = 2
PROBLEM_FUNCTION = re.compile(r"_problems?$")
SKIP_PARTS = {"tests", "migrations", "management", "locale"}
SKIP_FILES = {"demo.py", "demo_questions.py", "i18n_vocabulary.py", "nav.py"}
# methods whose result is named after what they are called on: ``d.astimezone(tz)`` -> ``d``
RECEIVER_METHODS = {"astimezone", "strftime", "date", "isoformat", "strip", "lower", "upper", "get"}
# attribute names too plain to name a placeholder alone: ``line.name`` -> ``line_name``
PLAIN_ATTRS = {"name", "code", "number", "value", "id", "pk", "label", "text", "title", "kind", "state"}


def _call_name(node: ast.Call) -> str:
    f = node.func
    if isinstance(f, ast.Name):
        return f.id
    if isinstance(f, ast.Attribute):
        return f.attr
    return ""


def has_han(node: ast.AST) -> bool:
    """A string expression (literal, f-string, ``+`` chain) with Chinese in its own text."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and bool(HAN.search(node.value))
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(v, ast.Constant) and has_han(v) for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return any(has_han(leaf) for leaf in _add_leaves(node))
    return False


def translatable(node: ast.AST | None) -> bool:
    if node is None:
        return False
    if isinstance(node, ast.IfExp):
        return translatable(node.body) or translatable(node.orelse)
    if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):
        return any(translatable(v) for v in node.values)
    return has_han(node)


def _add_leaves(node: ast.AST) -> list[ast.AST]:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _add_leaves(node.left) + _add_leaves(node.right)
    return [node]


def _snake(text: str) -> str:
    text = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", text)
    text = re.sub(r"[^0-9a-zA-Z_]+", "_", text).strip("_").lower()
    if not text or text[0].isdigit():
        text = "value" + ("_" + text if text else "")
    return text


def placeholder_name(node: ast.AST) -> str:
    """A readable name for the value of ``node`` in a message."""
    name = _placeholder_name(node)
    if name.endswith("labels"):  # ``TYPE_LABELS[t]``, ``labels.get(k)``: a type, a label
        name = name[: -len("_labels")] if name.endswith("_labels") else "label"
    return name


def _placeholder_name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return _snake(node.id)
    if isinstance(node, ast.Attribute):
        if node.attr in PLAIN_ATTRS and isinstance(node.value, ast.Name | ast.Attribute):
            base = node.value.id if isinstance(node.value, ast.Name) else node.value.attr
            if len(base) > 2 and base not in {"self", "obj", "cls"}:
                return _snake(f"{base}_{node.attr}")
        return _snake(node.attr)
    if isinstance(node, ast.Call):
        name = _call_name(node)
        m = re.fullmatch(r"get_(\w+)_display", name)
        if m:
            return _snake(m.group(1))
        if name == "join" and node.args:
            return placeholder_name(node.args[0])
        if name == "len" and node.args:
            return placeholder_name(node.args[0]) + "_count"
        if (
            name
            in {"str", "int", "float", "abs", "round", "ceil", "floor", "format", "repr", "sorted", "list"}
            and node.args
        ):
            return placeholder_name(node.args[0])
        if node.args and name.startswith(("format_", "fmt", "yuan", "local_")):
            return placeholder_name(node.args[0])
        if name in RECEIVER_METHODS and isinstance(node.func, ast.Attribute):
            return placeholder_name(node.func.value)
        return _snake(name) if name else "value"
    if isinstance(node, ast.Subscript):  # ``row["code"]``: a code; ``labels[kind]``: a label
        if isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
            return _snake(node.slice.value)
        return placeholder_name(node.value)
    if isinstance(node, ast.BinOp):
        return placeholder_name(node.left)
    if isinstance(node, ast.IfExp):
        return placeholder_name(node.body)
    if isinstance(node, ast.BoolOp):
        return placeholder_name(node.values[0])
    if isinstance(node, ast.GeneratorExp | ast.ListComp):
        return placeholder_name(node.elt)
    return "value"


class Template:
    """One message: its text with ``%(name)s`` placeholders and the value of each."""

    def __init__(self, gettext: str, lazy_names: dict[str, str] | None = None) -> None:
        self.gettext = gettext
        self.lazy_names = lazy_names
        self.parts: list[str] = []
        self.values: dict[str, str] = {}  # name -> source of the value
        self.by_source: dict[str, str] = {}

    def text(self, s: str) -> None:
        self.parts.append(s.replace("%", "%%"))

    def value(self, node: ast.AST, source: str) -> None:
        if source in self.by_source:
            name = self.by_source[source]
        else:
            base = placeholder_name(node)
            name, n = base, 2
            while name in self.values:
                name, n = f"{base}{n}", n + 1
            self.values[name] = source
            self.by_source[source] = name
        self.parts.append(f"%({name})s")

    def add(self, node: ast.AST) -> None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            self.text(node.value)
        elif isinstance(node, ast.JoinedStr):
            for part in node.values:
                if isinstance(part, ast.Constant):
                    self.text(str(part.value))
                else:
                    assert isinstance(part, ast.FormattedValue)
                    self.value(part.value, self.formatted(part))
        else:
            self.value(node, ast.unparse(node))

    def formatted(self, part: ast.FormattedValue) -> str:
        source = ast.unparse(part.value)
        if part.conversion == ord("r"):
            source = f"repr({source})"
        elif part.conversion == ord("a"):
            source = f"ascii({source})"
        spec = part.format_spec
        if spec is None:
            return source
        assert isinstance(spec, ast.JoinedStr)
        if all(isinstance(v, ast.Constant) for v in spec.values):
            text = "".join(str(v.value) for v in spec.values)  # type: ignore[attr-defined]
            if HAN.search(text) and self.lazy_names:  # a notification: the spec, too, per recipient
                names = self.lazy_names
                return f"{names['notify']}.formatted({source}, {names['gettext_noop']}({text!r}))"
            if HAN.search(text):
                return f"format({source}, {self.gettext}({text!r}))"
            return f"format({source}, {text!r})"
        return ast.unparse(ast.JoinedStr([ast.FormattedValue(part.value, part.conversion, spec)]))

    def render(self) -> str:
        text = "".join(self.parts)
        if not self.values:
            return f"{self.gettext}({literal(text.replace('%%', '%'))})"
        pairs = ", ".join(f"{name!r}: {source}" for name, source in self.values.items())
        return f"{self.gettext}({literal(text)}) % {{{pairs}}}"

    def render_lazy(self, names: dict[str, str]) -> str:
        """The notification form: ``gettext_lazy("…")``, or ``notify.text(gettext_noop("…"),
        name=value)`` when there are values — rendered later, in each recipient's language."""
        text = "".join(self.parts)
        if not self.values:
            return f"{names['gettext_lazy']}({literal(text.replace('%%', '%'))})"
        pairs = ", ".join(f"{name}={source}" for name, source in self.values.items())
        return f"{names['notify']}.text({names['gettext_noop']}({literal(text)}), {pairs})"


TOKEN = re.compile(r"%\(\w+\)s|%%|[A-Za-z0-9_.:/-]+|.", re.S)  # never cut a placeholder or a word


def _width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def literal(text: str, width: int = 64) -> str:
    """``text`` as a string literal, in pieces of at most ``width`` columns (implicitly
    concatenated, so the formatter can put each on its own line; a placeholder is never cut)."""
    pieces, current = [], ""
    for token in TOKEN.findall(text):
        if current and _width(current + token) > width:
            pieces.append(current)
            current = ""
        current += token
    pieces.append(current)
    return " ".join(repr(p) for p in pieces)


def render_lazy(node: ast.AST, names: dict[str, str]) -> str:
    """The lazy form of a notification's subject or body (see :meth:`Template.render_lazy`)."""
    if isinstance(node, ast.IfExp):
        body = render_lazy(node.body, names) if translatable(node.body) else ast.unparse(node.body)
        orelse = render_lazy(node.orelse, names) if translatable(node.orelse) else ast.unparse(node.orelse)
        return f"{body} if {ast.unparse(node.test)} else {orelse}"
    if isinstance(node, ast.BoolOp):
        return " or ".join(render_lazy(v, names) if translatable(v) else ast.unparse(v) for v in node.values)
    t = Template(names["gettext"], names)
    for leaf in _add_leaves(node):
        t.add(leaf)
    return t.render_lazy(names)


def render(node: ast.AST, gettext: str) -> str:
    """The translated form of a message expression (see the module's docstring). A message is a
    whole argument, return value or list item: a conditional needs no parentheses there."""
    if isinstance(node, ast.IfExp):
        body = render(node.body, gettext) if translatable(node.body) else ast.unparse(node.body)
        orelse = render(node.orelse, gettext) if translatable(node.orelse) else ast.unparse(node.orelse)
        return f"{body} if {ast.unparse(node.test)} else {orelse}"
    if isinstance(node, ast.BoolOp):
        return " or ".join(render(v, gettext) if translatable(v) else ast.unparse(v) for v in node.values)
    t = Template(gettext)
    for leaf in _add_leaves(node):
        t.add(leaf)
    return t.render()


def _message_args(node: ast.Call) -> list[ast.expr]:
    name = _call_name(node)
    f = node.func
    if (
        name == "add"
        and isinstance(f, ast.Attribute)
        and isinstance(f.value, ast.Name)
        and f.value.id == "errors"
    ):
        pos = ERRORS_ADD
    elif name in MESSAGE_ARGS:
        pos = MESSAGE_ARGS[name]
    else:
        return []
    args = [node.args[pos]] if len(node.args) > pos else []
    return args + [kw.value for kw in node.keywords if kw.arg == "message"]


NOTIFY_HELPERS = {"notify_partner", "notify_staff", "_notify_partner"}


def _notify_args(node: ast.Call) -> list[ast.expr]:
    """The subject and body of a notification: ``notify.send(…, subject=…, body=…)`` and the
    apps' helpers (``notify_partner(app, subject, body)``, ``notify_staff(subject, body, url)`` …:
    their Chinese arguments)."""
    name = _call_name(node)
    f = node.func
    if (
        name == "send"
        and isinstance(f, ast.Attribute)
        and isinstance(f.value, ast.Name)
        and f.value.id == "notify"
    ):
        return [kw.value for kw in node.keywords if kw.arg in ("subject", "body")]
    if name in NOTIFY_HELPERS:
        return [*node.args, *(kw.value for kw in node.keywords if kw.arg in ("subject", "body"))]
    return []


def _notify_names(function: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    """The variables of ``function`` used only inside notifications' subjects and bodies (a
    variable also used elsewhere — an audit reason — keeps its plain text)."""
    inside: set[int] = set()
    for node in ast.walk(function):
        if isinstance(node, ast.Call):
            for arg in _notify_args(node):
                inside |= {id(n) for n in ast.walk(arg)}
    used_in: dict[str, bool] = {}
    for node in ast.walk(function):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            used_in[node.id] = used_in.get(node.id, True) and id(node) in inside
    return {name for name, only_there in used_in.items() if only_there}


def _message_names(function: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    """The variables of ``function`` whose value goes into a refusal message
    (``wait = f"请 {n} 秒后重试。"`` … ``_error(…, "请求过于频繁，" + wait)``)."""
    names: set[str] = set()
    for node in ast.walk(function):
        if isinstance(node, ast.Call):
            for arg in _message_args(node):
                names |= {n.id for n in ast.walk(arg) if isinstance(n, ast.Name)}
    return names


def _is_clause_name(target: ast.AST) -> bool:
    return isinstance(target, ast.Name) and bool(re.match(r"_?CLAUSES?(_|$)|\w*_CLAUSES$", target.id))


class Finder(ast.NodeVisitor):
    def __init__(self) -> None:
        self.clauses: dict[int, ast.AST] = {}  # clause literals -> gettext_noop
        self.targets: dict[int, ast.AST] = {}
        self.outside: list[ast.AST] = []  # messages at module/class level: named, not rewritten
        self.functions: list[str] = []
        self.message_names: list[set[str]] = []  # per function: variables that go into a message
        self.notices: dict[int, ast.AST] = {}  # notification subjects and bodies -> lazy texts
        self.notify_names: list[set[str]] = []  # per function: variables only notifications use

    def add(self, node: ast.AST | None) -> None:
        if node is None or not translatable(node):
            return
        if not self.functions:
            self.outside.append(node)
            return
        self.targets[id(node)] = node

    def add_notice(self, node: ast.AST | None) -> None:
        if node is not None and self.functions and translatable(node):
            self.notices[id(node)] = node

    def add_clause(self, node: ast.AST | None) -> None:
        if isinstance(node, ast.Constant) and has_han(node):
            self.clauses[id(node)] = node
        elif isinstance(node, ast.JoinedStr) and has_han(node):
            self.outside.append(node)

    def visit_Assign(self, node: ast.Assign) -> None:
        if not self.functions and len(node.targets) == 1 and _is_clause_name(node.targets[0]):
            if isinstance(node.value, ast.Dict):
                for value in node.value.values:
                    self.add_clause(value)
            else:
                self.add_clause(node.value)
        if self.message_names and any(
            isinstance(t, ast.Name) and t.id in self.message_names[-1] for t in node.targets
        ):
            self.add(node.value)
        if self.notify_names:
            for target in node.targets:
                pairs = [(target, node.value)]
                if isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple):
                    pairs = list(zip(target.elts, node.value.elts, strict=False))
                for t, value in pairs:
                    if isinstance(t, ast.Name) and t.id in self.notify_names[-1]:
                        self.add_notice(value)
        self.generic_visit(node)

    def add_export_texts(self, function: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        """A function that builds a workbook (an export): every Chinese text in it is a sheet
        title, a header or a label of the file the user downloads. Not an import template
        (``*template*``): its headers and sample values are what the importer reads."""
        if "template" in function.name:
            return
        if not any(isinstance(n, ast.Call) and _call_name(n) == "Workbook" for n in ast.walk(function)):
            return
        body = function.body
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            body = body[1:]  # the docstring
        stack: list[ast.AST] = list(body)
        while stack:
            node = stack.pop()
            if isinstance(node, ast.Call) and _call_name(node) in TRANSLATORS:
                continue
            if isinstance(node, ast.Constant | ast.JoinedStr):
                if has_han(node):
                    self.targets[id(node)] = node
                continue
            stack.extend(ast.iter_child_nodes(node))

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.add_export_texts(node)
        self.functions.append(node.name)
        self.message_names.append(_message_names(node))
        self.notify_names.append(_notify_names(node))
        self.generic_visit(node)
        self.notify_names.pop()
        self.message_names.pop()
        self.functions.pop()

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self.functions.append("<lambda>")
        self.generic_visit(node)
        self.functions.pop()

    @property
    def in_problem_function(self) -> bool:
        return bool(self.functions) and bool(PROBLEM_FUNCTION.search(self.functions[-1]))

    def visit_Return(self, node: ast.Return) -> None:
        if self.in_problem_function and node.value is not None:
            value = node.value
            if isinstance(value, ast.List | ast.Tuple):
                for elt in value.elts:
                    self.add(elt)
            elif isinstance(value, ast.ListComp):
                self.add(value.elt)
            else:
                self.add(value)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        name = _call_name(node)
        if name in TRANSLATORS:
            return
        for kw in node.keywords:
            if kw.arg == "clause":
                self.add_clause(kw.value)
        for arg in _message_args(node):
            self.add(arg)
        for arg in _notify_args(node):
            self.add_notice(arg)
        if name == "transition":  # fsm.transition(obj, "approve", label="审核通过"): named in its refusal
            for kw in node.keywords:
                if kw.arg == "label":
                    self.add(kw.value)
        if (
            self.in_problem_function
            and name == "append"
            and isinstance(node.func, ast.Attribute)
            and len(node.args) == 1
        ):
            self.add(node.args[0])
        self.generic_visit(node)


def _bound_translator(tree: ast.Module) -> dict[str, str]:
    out: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation":
            for alias in node.names:
                out[alias.asname or alias.name] = alias.name
    return out


def _underscore_reassigned(tree: ast.Module) -> bool:
    return any(
        isinstance(n, ast.Name) and n.id == "_" and isinstance(n.ctx, ast.Store) for n in ast.walk(tree)
    )


def convert(source: str) -> tuple[str, int, list[int]]:
    """The new source, the number of messages rewritten, the lines of messages left alone
    because they sit at module or class level."""
    tree = ast.parse(source)
    finder = Finder()
    finder.visit(tree)
    outside = [n.lineno for n in finder.outside]  # type: ignore[attr-defined]
    if not finder.targets and not finder.clauses and not finder.notices:
        return source, 0, outside
    bound = _bound_translator(tree)
    if bound.get("_") == "gettext" and not _underscore_reassigned(tree):
        name = "_"
    else:
        name = next((alias for alias, fn in bound.items() if fn == "gettext" and alias != "_"), "gettext")
    noop = next((alias for alias, fn in bound.items() if fn == "gettext_noop"), "gettext_noop")
    imports = set()
    if finder.targets and name == "gettext" and bound.get("gettext") != "gettext":
        imports.add("gettext")
    lazy = next((alias for alias, fn in bound.items() if fn == "gettext_lazy"), "gettext_lazy")
    notify = _bound_notify(tree)
    notices = list(finder.notices.values())
    leaves = [leaf for n in notices for leaf in _branches(n) if translatable(leaf)]
    with_values = any(not isinstance(leaf, ast.Constant) for leaf in leaves)
    if (
        (finder.clauses or with_values)
        and noop == "gettext_noop"
        and bound.get("gettext_noop") != "gettext_noop"
    ):
        imports.add("gettext_noop")
    if (
        any(isinstance(leaf, ast.Constant) for leaf in leaves)
        and lazy == "gettext_lazy"
        and bound.get(lazy) != lazy
    ):
        imports.add("gettext_lazy")
    if with_values and notify is None:
        notify = "notify"
        needs_notify_import = True
    else:
        needs_notify_import = False
    names = {"gettext": name, "gettext_lazy": lazy, "gettext_noop": noop, "notify": notify or "notify"}

    lines = source.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line.encode("utf-8")))
    data = source.encode("utf-8")
    spans = []
    for node in [*finder.targets.values(), *finder.clauses.values(), *notices]:
        start = offsets[node.lineno - 1] + node.col_offset  # type: ignore[attr-defined]
        end = offsets[node.end_lineno - 1] + node.end_col_offset  # type: ignore[attr-defined]
        spans.append((start, end, node))
    spans.sort(key=lambda s: (s[0], -s[1]))
    kept: list[tuple[int, int, ast.AST]] = []
    for span in spans:  # a message inside another one is rewritten with it
        if kept and span[0] < kept[-1][1]:
            continue
        kept.append(span)
    for start, end, node in reversed(kept):
        if id(node) in finder.clauses:
            new = f"{noop}({data[start:end].decode('utf-8')})"
        elif id(node) in finder.notices:
            new = render_lazy(node, names)
        else:
            new = render(node, name)
        data = data[:start] + new.encode("utf-8") + data[end:]
    out = data.decode("utf-8")
    if imports:
        out = _insert_import(out, f"from django.utils.translation import {', '.join(sorted(imports))}\n")
    if needs_notify_import:
        out = _insert_import(out, "from vasops.core import notify\n")
    return out, len(kept), outside


def _branches(node: ast.AST) -> list[ast.AST]:
    """The texts a conditional message is made of (``a if c else b``, ``x or "…"``)."""
    if isinstance(node, ast.IfExp):
        return _branches(node.body) + _branches(node.orelse)
    if isinstance(node, ast.BoolOp):
        return [leaf for v in node.values for leaf in _branches(v)]
    return [node]


def _bound_notify(tree: ast.Module) -> str | None:
    """The name ``vasops.core.notify`` is imported as, if it is."""
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module == "vasops.core":
            for alias in node.names:
                if alias.name == "notify":
                    return alias.asname or alias.name
    return None


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
        index = 0
        if tree.body and isinstance(tree.body[0], ast.Expr) and isinstance(tree.body[0].value, ast.Constant):
            index = tree.body[0].end_lineno or 0
        lines.insert(index, "\n" + line)
        return "".join(lines)
    lines.insert(last.end_lineno or 0, line)
    return "".join(lines)


def files(root: Path) -> list[Path]:
    out = []
    for path in sorted((root / "src" / "vasops").rglob("*.py")):
        if SKIP_PARTS & set(path.relative_to(root).parts) or path.name in SKIP_FILES:
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
        new, n, outside = convert(source)
        for line in outside:
            print(
                f"{path}:{line}: left alone: a message outside a function, or a clause built with an f-string"
            )
        if new != source:
            changed += 1
            print(f"{'would mark' if args.check else 'marked'} {n} message(s) in {path}")
            if not args.check:
                path.write_text(new, encoding="utf-8")
    print(f"{changed} file(s) {'to change' if args.check else 'changed'}")
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    sys.exit(main())
