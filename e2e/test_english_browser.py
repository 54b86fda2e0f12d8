"""English mode in a real browser: staff and a partner switch to English with the top bar's
button and walk pages of the demo; what the browser shows has no Han character outside user data
(company names, people's names, file names and other text people typed)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from vasops.api.tests.seed import ensure_migration_data
from vasops.console.tests import labels_check
from vasops.core import clock
from vasops.core.models import User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEMO_PASSWORD = "demo-vasops-2026"
STAFF_PAGES = [
    "/inbox/",
    "/admission/console/exam/sittings/",
    "/admission/console/review/meetings/",
    "/admission/console/review/meetings/new/",
    "/catalog/review/",
    "/admission/console/exam/sittings/new/",
    "/workorders/new/",
]
PARTNER_PAGES = [
    "/inbox/",
    "/admission/portal/exam/",
    "/vac/portal/endpoint/",
    "/catalog/my/new/",
    "/workorders/new/",
]
# what the page shows, without scripts, typed values, user data marked as such, and text that
# declares its own language (the language switch's "中文")
VISIBLE_TEXT = """() => {
  const body = document.body.cloneNode(true);
  const hidden = 'script, style, textarea, template, [data-user-data], [lang]';
  body.querySelectorAll(hidden).forEach(e => e.remove());
  const names = ['title', 'placeholder', 'aria-label', 'alt'];
  const attrs = [...body.querySelectorAll('[title], [placeholder], [aria-label], [alt]')]
    .map(e => names.map(n => e.getAttribute(n) || '').join('\\n'));
  return body.innerText + '\\n' + attrs.join('\\n');
}"""


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    ensure_migration_data()
    with clock.frozen(dt.date(2027, 1, 5)):
        call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
        yield


def switch_to_english(page, base: str) -> None:
    page.goto(base + "/inbox/")
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"


def han_on(page, base: str, paths: list[str], user_data: list[str]) -> list[str]:
    problems = []
    for path in paths:
        response = page.goto(base + path)
        assert response is not None and response.status == 200, path
        assert page.locator("html").get_attribute("lang") == "en", path
        text = page.evaluate(VISIBLE_TEXT)
        problems += [f"{path}: {p}" for p in labels_check.han_problems(text, user_data)]
    return problems


def test_pages_in_english_show_no_chinese_outside_user_data(page, people, live_server, log_in, demo):
    user_data = labels_check.user_data_strings()
    log_in(page, User.objects.get(username="chen.pi"), DEMO_PASSWORD)
    switch_to_english(page, live_server.url)
    assert han_on(page, live_server.url, STAFF_PAGES, user_data) == []

    partner = log_in(people(), "xingyun", DEMO_PASSWORD)
    switch_to_english(partner, live_server.url)
    assert han_on(partner, live_server.url, PARTNER_PAGES, user_data) == []
