"""Every top-level action is the outermost transaction (Zulip's ``do_*`` habit): decorated
``transaction.atomic(durable=True)``, so a caller cannot wrap two acts into one by mistake; the few
acts that also run inside another app's act say so and use a plain ``atomic``."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2]  # src/vasops
NOT_YET: set[str] = set()
# (module, function): acts that also run inside another act's transaction (their docstrings say
# which), so they cannot be durable
NESTED = {
    ("partners/actions/lifecycle.py", "record_admission"),  # admission's decision
    ("partners/actions/lifecycle.py", "activate_partner"),  # admission's opening
    ("partners/actions/restrictions.py", "impose_restriction"),  # decision, review absence
    ("catalog/actions/resources.py", "allocate_resource"),  # admission's decision
    ("workorders/actions.py", "open_work_order"),  # catalog's and admission's data-change orders
    # a CRM batch chunk's transaction (vac.crm) and an SMS reply's (vac.sms.replies)
    ("vac/actions.py", "subscribe"),
    ("vac/actions.py", "confirm"),
    ("vac/actions.py", "unsubscribe"),
    ("vac/actions.py", "unsubscribe_all"),
    ("vac/actions.py", "open_account"),
    ("vac/actions.py", "close_account"),
    # compliance's upheld violation, complaints' refund, reconciliation's accepted dispute
    ("settlement/actions/adjustments.py", "record_adjustment"),
}


def _action_modules() -> list[Path]:
    found = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC)
        if rel.parts[0] in NOT_YET or "tests" in rel.parts or "migrations" in rel.parts:
            continue
        if path.name == "actions.py" or "actions" in rel.parts[:-1]:
            found.append(path)
    return found


def _atomic_decorators(fn: ast.FunctionDef) -> list[ast.expr]:
    return [d for d in fn.decorator_list if "atomic" in ast.unparse(d)]


def test_every_public_action_is_durable_unless_it_is_a_known_nested_act():
    wrong = []
    for path in _action_modules():
        rel = str(path.relative_to(SRC))
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if not isinstance(node, ast.FunctionDef) or node.name.startswith("_"):
                continue
            decorators = [ast.unparse(d) for d in _atomic_decorators(node)]
            if not decorators:
                continue
            durable = decorators == ["transaction.atomic(durable=True)"]
            nested = (rel, node.name) in NESTED
            if durable == nested:
                wrong.append(f"{rel}:{node.name} {decorators}")
    assert wrong == []


def test_the_nested_acts_say_where_they_run():
    for rel, name in NESTED:
        tree = ast.parse((SRC / rel).read_text(encoding="utf-8"))
        fn = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name)
        assert "plain" in (ast.get_docstring(fn) or ""), f"{rel}:{name} does not say why it is not durable"
