"""docs/api.md is executable (as Zulip does with its API documentation): every curl example runs,
in the order the guide tells it, against the test server holding the demo data (``seed_demo``
on a fresh database, business date 2027-01-05, the ids a fresh ``make run`` shows), and its
answer is compared with what the guide says: the status, and the fields of the JSON shown.

How the guide writes an example (see its section 1):
- ``$VASOPS`` is the server; ``$TOKEN``, ``$PARTNER_TOKEN`` … are the demo users' tokens
  (``TOKENS`` below); ``H=(…)`` arrays are expanded; ``| jq FILTER`` is applied (``.``, ``.[0]``,
  ``.key``, ``{a, b: .x[0]}``); ``-si … | grep -i x-total-count`` checks the header;
- the expected answer is the comment after the command, ``# → 201`` / ``# → 409 {json}`` (a comment
  may go on over several ``#`` lines), or the ```json block right after the bash block;
- fields compared: every key of the documented JSON must be in the answer (recursively; for a
  list, in its first item), and ``code``/``status``/``state``/``decision`` must be equal.

Set ``VASOPS_DOCS_RECORD=1`` to print every answer (for writing the guide)."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from vasops.api.models import ApiToken
from vasops.api.tests.seed import ensure_migration_data
from vasops.core import clock
from vasops.core.models import User

GUIDE = Path(__file__).resolve().parents[4] / "docs" / "api.md"

# variable → the demo user whose token it holds
TOKENS = {
    "TOKEN": "chen.pi",  # product-innovation staff
    "STAFF_TOKEN": "chen.pi",
    "HEAD_TOKEN": "li.head",
    "OM_TOKEN": "wang.om",
    "CS_TOKEN": "sun.cs",
    "PARTNER_TOKEN": "xingyun",  # 武汉星云科技, contracted
    "NEW_PARTNER_TOKEN": "chutian",  # 湖北楚天互动
    "EXPERT_TOKEN": "expert1",
    "FIN_TOKEN": "zhao.fin",  # finance
    "FINANCE_TOKEN": "zhao.fin",
}
COMPARED = {"code", "status", "state", "decision"}
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@dataclass
class Example:
    line: int
    command: str
    status: int | None = None
    body: Any = None
    header: str | None = None
    arrays: dict[str, list[str]] = field(default_factory=dict)


def _json_values(text: str) -> list[Any]:
    """The JSON values in ``text`` (one after another, possibly several)."""
    decoder = json.JSONDecoder()
    values, i = [], 0
    text = text.strip()
    while i < len(text):
        while i < len(text) and text[i] in " \n\t,":
            i += 1
        if i >= len(text):
            break
        try:
            value, i = decoder.raw_decode(text, i)
        except ValueError:  # prose or an elided "{...}": nothing to compare
            break
        values.append(value)
    return values


def parse_guide(text: str) -> list[Example]:
    lines = text.splitlines()
    examples: list[Example] = []
    arrays: dict[str, list[str]] = {}  # like a shell session: an array lives on in later blocks
    i = 0
    while i < len(lines):
        if lines[i].strip() != "```bash":
            i += 1
            continue
        start = i + 1
        i += 1
        block: list[tuple[int, str]] = []
        while lines[i].strip() != "```":
            block.append((i + 1, lines[i]))
            i += 1
        i += 1
        in_block: list[Example] = []
        j = 0
        while j < len(block):
            number, line = block[j]
            stripped = line.strip()
            m = re.match(r"^(\w+)=\((.*)\)$", stripped)
            if m:
                arrays[m.group(1)] = shlex.split(m.group(2))
                j += 1
                continue
            if stripped.startswith("curl "):
                command = stripped
                while True:
                    if command.endswith("\\"):
                        j += 1
                        command = command[:-1] + " " + block[j][1].strip()
                        continue
                    try:
                        shlex.split(command.partition(" | ")[0])
                    except ValueError:  # a quoted body goes on over the next line
                        j += 1
                        command = command + " " + block[j][1].strip()
                        continue
                    break
                ex = Example(number, command, arrays=dict(arrays))
                j += 1
                comment: list[str] = []
                while j < len(block) and block[j][1].strip().startswith("#"):
                    comment.append(block[j][1].strip().lstrip("#").strip())
                    j += 1
                _expectation(ex, " ".join(comment))
                in_block.append(ex)
                continue
            j += 1
        # a ```json block right after the bash block: the last example's answer
        k = i
        while k < len(lines) and not lines[k].strip():
            k += 1
        if in_block and k < len(lines) and lines[k].strip() == "```json":
            k += 1
            body_lines = []
            while lines[k].strip() != "```":
                body_lines.append(lines[k])
                k += 1
            last = in_block[-1]
            if last.body is None and last.status is None:
                values = _json_values("\n".join(body_lines))
                last.body = values[0] if values else None
        examples.extend(in_block)
        assert start  # keeps the block's position for messages
    return examples


def _expectation(ex: Example, comment: str) -> None:
    if not comment:
        return
    if comment.lower().startswith("x-total-count"):
        ex.header = "X-Total-Count"
        return
    m = re.match(r"^(?:→\s*)?(\d{3})?\s*(.*)$", comment)
    assert m is not None
    rest = m.group(2).strip()
    if m.group(1):
        ex.status = int(m.group(1))
    if rest.startswith(("{", "[")):
        values = _json_values(rest)
        ex.body = values[0] if values else None


# --- running ----------------------------------------------------------------------------------


def _jq(value: Any, expr: str) -> Any:
    expr = expr.strip()
    if expr in (".", ""):
        return value
    if expr.startswith("{") and expr.endswith("}"):
        out = {}
        for part in expr[1:-1].split(","):
            name, _, path = part.partition(":")
            name = name.strip()
            out[name] = _jq(value, path.strip() or f".{name}")
        return out
    for step in re.findall(r"\.\w+|\[\d+\]", expr):
        if step.startswith("["):
            value = value[int(step[1:-1])] if isinstance(value, list) and value else None
        else:
            value = value.get(step[1:]) if isinstance(value, dict) else None
    return value


def _contains(expected: Any, actual: Any, where: str, problems: list[str]) -> None:
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            problems.append(f"{where}: expected an object, got {actual!r:.200}")
            return
        for key, value in expected.items():
            if key not in actual:
                problems.append(f"{where}: missing field {key!r} (answer has {sorted(actual)})")
                continue
            if key in COMPARED and not isinstance(value, dict | list) and value != actual[key]:
                problems.append(f"{where}.{key}: documented {value!r}, answered {actual[key]!r}")
            _contains(value, actual[key], f"{where}.{key}", problems)
    elif isinstance(expected, list) and expected and isinstance(expected[0], dict):
        if not isinstance(actual, list) or not actual:
            problems.append(f"{where}: expected a non-empty list, got {actual!r:.200}")
            return
        _contains(expected[0], actual[0], f"{where}[0]", problems)


def run(client: Any, ex: Example, tokens: dict[str, str], tmp: Path) -> tuple[int, Any, Any, list[str]]:
    command, _, pipe = ex.command.partition(" | ")
    env = {"VASOPS": "", **tokens}

    def expand(text: str) -> str:
        return re.sub(r"\$\{?(\w+)\}?", lambda m: env.get(m.group(1), m.group(0)), text)

    words: list[str] = []
    for word in shlex.split(command):
        m = re.fullmatch(r"\$\{(\w+)\[@\]\}", word)
        words.extend(expand(w) for w in ex.arrays[m.group(1)]) if m else words.append(expand(word))
    method, headers, data, form, url = None, {}, None, {}, None
    it = iter(words[1:])
    for word in it:
        if word in ("-s", "-i", "-si"):
            continue
        if word == "-X":
            method = next(it)
        elif word == "-H":
            name, _, value = next(it).partition(":")
            headers[name.strip()] = value.strip()
        elif word == "-d":
            data = next(it)
        elif word == "-F":
            name, _, value = next(it).partition("=")
            if value.startswith("@"):
                path = tmp / value[1:]
                path.write_bytes(PDF)
                form[name] = io.BytesIO(PDF)
                form[name].name = value[1:]
            else:
                form[name] = value
        else:
            url = word
    assert url is not None, ex.command
    method = (method or ("POST" if data is not None or form else "GET")).lower()
    call = getattr(client, method)
    content_type = headers.pop("Content-Type", None)
    if form:
        response = call(url, form, headers=headers)
    elif data is not None:
        response = call(url, data, content_type=content_type or "application/json", headers=headers)
    else:
        response = call(url, headers=headers)
    try:
        body = response.json()
    except ValueError:
        body = None
    shown = body
    problems: list[str] = []
    jq = re.search(r"jq\s+(?:-r\s+)?'([^']*)'|jq\s+(\.\S*)", pipe)
    if jq:
        shown = _jq(body, jq.group(1) or jq.group(2))
    if "grep -i x-total-count" in pipe and "X-Total-Count" not in response:
        problems.append("no X-Total-Count header")
    return response.status_code, body, shown, problems


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    settings.VASOPS_API_RATE_PER_MINUTE = 0
    ensure_migration_data()  # a transactional test before this one flushed them
    with clock.frozen(dt.date(2027, 1, 5)):
        call_command("seed_demo", stdout=io.StringIO())
        yield


@pytest.mark.django_db(transaction=True, reset_sequences=True)
def test_every_curl_example_of_the_api_guide_answers_as_documented(client, demo, tmp_path):
    tokens = {var: ApiToken.issue(User.objects.get(username=user), "docs")[1] for var, user in TOKENS.items()}
    examples = parse_guide(GUIDE.read_text(encoding="utf-8"))
    assert len(examples) >= 40
    record = os.environ.get("VASOPS_DOCS_RECORD")
    failures: list[str] = []
    for ex in examples:
        status, body, shown, problems = run(client, ex, tokens, tmp_path)
        answer = json.dumps(body, ensure_ascii=False)[:300]
        if record:
            shown_text = json.dumps(shown, ensure_ascii=False)[:600]
            print(f"\n--- api.md:{ex.line} {ex.command[:100]}\n{status} {shown_text}")
        if status >= 500:
            problems.append(f"server error {status}")
        if ex.status is not None and status != ex.status:
            problems.append(f"documented status {ex.status}, answered {status}: {answer}")
        elif ex.status is None and not 200 <= status < 300:
            problems.append(f"documented success, answered {status}: {answer}")
        if ex.body is not None:
            _contains(ex.body, shown, "answer", problems)
        failures.extend(f"api.md:{ex.line}: {ex.command[:90]} → {p}" for p in problems)
    assert failures == [], "\n".join(failures)
