"""Every page a person reaches passes the Content-Security-Policy: on the demo data, staff
(the superuser, so every console page) and a partner user crawl the site from their home page,
following every same-site link, and the browser reports no CSP violation and no script error."""

from __future__ import annotations

import datetime as dt
import re
from collections import deque
from urllib.parse import urldefrag, urlparse

import pytest
from django.core.management import call_command

from vasops.api.tests.seed import ensure_migration_data
from vasops.core import clock
from vasops.core.models import User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEMO_PASSWORD = "demo-vasops-2026"
MAX_PAGES = 90
# links that end the session, download a file or change state on GET are not followed
SKIP = re.compile(
    r"/accounts/logout|export=|/download|/documents/|/exceptions/|template|\.xlsx|/admin/|/api/v1/"
)

WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " line " + e.lineNumber);
});
"""


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    ensure_migration_data()
    with clock.frozen(dt.date(2027, 1, 5)):
        call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
        yield


def crawl(page, base: str, start: str) -> tuple[list[str], list[str]]:
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(f"{page.url}: script error {exc}"))
    page.on(
        "console",
        lambda msg: (
            problems.append(f"{page.url}: {msg.text}") if "Content Security Policy" in msg.text else None
        ),
    )
    page.context.add_init_script(WATCH)
    seen: set[str] = set()
    queue = deque([start])
    visited: list[str] = []
    while queue and len(visited) < MAX_PAGES:
        path = queue.popleft()
        if path in seen:
            continue
        seen.add(path)
        response = page.goto(base + path)
        visited.append(path)
        if response is None or response.status >= 500:
            problems.append(f"{path}: status {response.status if response else 'none'}")
            continue
        for v in page.evaluate("window.__csp || []"):
            problems.append(f"{path}: CSP {v}")
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))"):
            href = urldefrag(href)[0]
            if not href.startswith("/") or href.startswith("//") or SKIP.search(href):
                continue
            target = urlparse(href)
            key = target.path + ("?" + target.query if target.query and "page=" not in target.query else "")
            if key not in seen:
                queue.append(key)
    return visited, problems


def test_every_page_staff_and_partners_reach_passes_the_csp(page, people, live_server, log_in, demo):
    log_in(page, User.objects.get(username="admin"), DEMO_PASSWORD)
    visited, problems = crawl(page, live_server.url, "/")
    assert len(visited) >= 30, visited
    assert problems == []

    partner_page = log_in(people(), "xingyun", DEMO_PASSWORD)
    visited, problems = crawl(partner_page, live_server.url, "/")
    assert len(visited) >= 10, visited
    assert problems == []

    # a behaviour moved from inline script to app.js still runs: a dismissed data-confirm
    # prompt keeps the form from being sent
    page.goto(f"{live_server.url}/admission/console/exam/sittings/")
    link = page.locator("table a").first
    if link.count():
        link.click()
        buttons = page.locator("form[data-confirm] button, button[data-confirm]")
        if buttons.count():
            url = page.url
            page.once("dialog", lambda d: d.dismiss())
            buttons.first.click()
            page.wait_for_timeout(300)
            assert page.url == url
