"""The configuration tables cannot drift: every environment variable the code reads (settings,
the VAC gateway) is in the README's or docs/deploy.md's table, and every variable those tables
name is read somewhere."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]
SRC = ROOT / "src" / "vasops"

# how the code reads a variable: os.environ.get("X"), os.getenv, settings' env_bool, the
# gateway's c_setting_default / cache.setting (a Django setting, else the variable)
READ = re.compile(
    r"(?:os\.environ\.get|os\.getenv|env_bool|c_setting_default|\bsetting)\(\s*\"([A-Z][A-Z0-9_]+)\""
)
# set for the process, read by Python or Django themselves rather than by our code
PROCESS = {"DJANGO_SETTINGS_MODULE", "PYTHONPATH"}
NAME_IN_ROW = re.compile(r"`([A-Z][A-Z0-9_]{2,})`")


def names_read() -> set[str]:
    names: set[str] = set()
    for path in SRC.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        names.update(READ.findall(path.read_text(encoding="utf-8")))
    return names


def names_documented() -> set[str]:
    names: set[str] = set()
    for doc in (ROOT / "README.md", ROOT / "docs" / "deploy.md"):
        for line in doc.read_text(encoding="utf-8").splitlines():
            if line.startswith("| `"):
                first_cell = line.split("|")[1]
                names.update(NAME_IN_ROW.findall(first_cell))
    return names


def test_the_scan_finds_the_variables():
    read = names_read()
    assert {"DATABASE_URL", "SECRET_KEY", "VASOPS_VAC_GATEWAY_PORT", "VASOPS_VAC_CACHE_PREFIX"} <= read


def test_every_variable_the_code_reads_is_documented():
    assert sorted(names_read() - names_documented()) == []


def test_every_documented_variable_is_read():
    assert sorted(names_documented() - names_read() - PROCESS) == []
