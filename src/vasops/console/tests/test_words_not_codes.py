"""Label coverage: a walk through every console, expert and portal page of the demo data, as
staff of every role, an expert and the demo partners, finds no code-shaped string
(``admission.application_created``, ``qualification:vas_licence``, ``om_engineer``) and no Python
repr (``True``, ``{'name': …}``) in what the pages say, outside what people typed."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command

from vasops.console.tests import labels_check
from vasops.console.tests.crawl import crawl, outside_refs
from vasops.core import clock, history, vocabulary
from vasops.core.models import AuditEvent, User

DEMO_USERS = [
    "admin",
    "chen.pi",
    "li.head",
    "wang.om",
    "zhao.fin",
    "sun.cs",
    "zhou.audit",
    "expert1",
    "xingyun",
    "chutian",
    "yunfan",
    "jingchu",
]


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    # the business lines a data migration creates, again (a transactional test flushed them)
    # (and compliance's violation catalogue, KPI definitions, detection thresholds)
    from vasops.api.tests.seed import ensure_migration_data

    ensure_migration_data()
    with clock.frozen(dt.date(2027, 1, 5)):
        call_command("seed_demo", stdout=io.StringIO())
        settings.DEBUG = False
        settings.VASOPS_STAFF_2FA = False
        yield


def walk(client, username: str, lang: str) -> tuple[int, list[str]]:
    client.force_login(User.objects.get(username=username))
    if lang != "zh-hans":
        client.post("/i18n/setlang/", {"language": lang, "next": "/"})
    user_data = labels_check.user_data_strings()
    pages, problems = 0, []
    for path, _status, text, html in crawl(client, "/", max_pages=150):
        pages += 1
        problems += [f"{username} {path}: {p}" for p in labels_check.problems(text, lang, user_data)]
        # no page loads or points to another host (no CDN: the demo works offline)
        problems += [f"{username} {path}: outside host {ref}" for ref in outside_refs(html)]
    client.logout()
    return pages, problems


@pytest.mark.django_db(transaction=True)
def test_no_page_of_the_demo_shows_a_code_to_anyone_nor_refers_to_another_host(client, demo):
    total, problems = 0, []
    for username in DEMO_USERS:
        pages, found = walk(client, username, "zh-hans")
        assert pages >= 5, (username, pages)
        total += pages
        problems += found
    assert total >= 400
    assert problems == []


def test_the_code_finder_finds_what_people_tripped_over():
    text = (
        "动作 admission.application_created 材料 qualification:vas_licence 处理组 om_engineer "
        "通过 True 之后：{'name': 1}"
    )
    found = labels_check.code_problems(text)
    assert len(found) == 5
    assert (
        labels_check.code_problems(
            "王磊 chen.pi@carrier.example 商业计划书.pdf 10.10.1.20:8801 2027-01-05 12:30"
        )
        == []
    )


@pytest.mark.django_db
def test_history_reads_field_old_to_new_with_labels():
    from vasops.partners.tests.factories import PartnerFactory

    partner = PartnerFactory()
    event = AuditEvent.objects.create(
        action="partners.partner_admitted",
        object_type="partners.partner",
        object_id=str(partner.pk),
        before={"state": "registered", "legal_representative": "", "enterprise_code": None},
        after={"state": "admitted", "legal_representative": "刘星云", "enterprise_code": None},
    )
    entry = history.entry(event)
    assert entry.action == "准入通过" == vocabulary.event_label("partners.partner_admitted")
    assert entry.actor == "系统"
    lines = [(c.label, c.before, c.after) for c in entry.changes]
    # unchanged values are left out; states read as their labels, empty as —
    assert ("状态", "已注册", "已准入") in lines
    assert ("法定代表人", "—", "刘星云") in lines
    assert len(lines) == 2


def test_codes_people_met_have_words():
    assert vocabulary.code_label("qualification:vas_licence") == "增值电信业务经营许可证"
    assert vocabulary.code_label("admission.business_plan") == "商业计划书"
    assert vocabulary.code_label("SMS:sms_bind") == "网关连接与登录（Bind）"
    assert vocabulary.code_label("om_engineer") == "运维工程师"
    assert vocabulary.code_label("customer_service") != "customer_service"
    assert vocabulary.code_label("nobody.invented_this") == "nobody.invented_this"
