"""Label coverage: a walk through every console, expert and portal page of the demo data, as
staff of every role, an expert and the demo partners, finds no code-shaped string
(``admission.application_created``, ``qualification:vas_licence``, ``om_engineer``) and no Python
repr (``True``, ``{'name': …}``) in what the pages say, outside what people typed."""

from __future__ import annotations

import datetime as dt
import io
import re

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


def walk(client, username: str, lang: str, only: tuple[str, ...] = ()) -> tuple[int, list[str]]:
    """(pages read, problems) of one person's walk; ``only``: check the words of these paths'
    pages alone (every page is still checked for outside hosts)."""
    client.force_login(User.objects.get(username=username))
    if lang != "zh-hans":
        client.post("/i18n/setlang/", {"language": lang, "next": "/"})
    user_data = labels_check.user_data_strings()
    pages, problems = 0, []
    for path, _status, text, html in crawl(client, "/", max_pages=150):
        pages += 1
        if not only or path.startswith(only):
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


# the apps merged on 2026-12-03: their pages in English (the older apps': OLD_APPS below)
NEW_APPS = ("/settlement/", "/compliance/", "/complaints/")


@pytest.mark.django_db(transaction=True)
def test_the_settlement_compliance_and_complaint_pages_read_in_english(client, demo):
    """Finance, a partner and customer service walk in English: no Han outside user data and no
    code on the pages of settlement (reconciliation included), compliance (KPI, detection) and
    complaints."""
    problems, read = [], 0
    for username in ("zhao.fin", "xingyun", "sun.cs", "li.head"):
        pages, found = walk(client, username, "en", only=NEW_APPS)
        read += pages
        problems += found
    assert read >= 150
    assert problems == []


USER_DATA_SPAN = re.compile(r"<span data-user-data>.*?</span>", re.S)


def history_problems(lang: str, apps: tuple[str, ...] = ()) -> tuple[int, list[str]]:
    """Every audit row of the demo (of ``apps``: all when empty) as its 操作历史 entry reads: no
    code, no repr, every field named in words (Chinese) or without Han outside user data (English)."""
    from django.db.models import Q
    from django.utils import translation

    user_data = labels_check.user_data_strings()
    events, problems = 0, []
    rows = AuditEvent.objects.order_by("pk")
    if apps:
        rows = rows.filter(Q.create([("action__startswith", f"{app}.") for app in apps], connector=Q.OR))
    with translation.override(lang):
        for event in rows.iterator():
            events += 1
            entry = history.entry(event)
            lines = [entry.action] + [f"{c.label}：{c.before or ''} → {c.after or ''}" for c in entry.changes]
            if event.reason_message:  # a reason the platform wrote: its words, not its values
                lines.append(USER_DATA_SPAN.sub(" ", entry.reason_html))
            found = labels_check.problems("\n".join(lines), lang, user_data)
            if lang == "zh-hans":
                found += [
                    f"field {c.label!r} has no words"
                    for c in entry.changes
                    if not labels_check.HAN.search(c.label)
                ]
            problems += [f"{event.action} {event.object_type}#{event.object_id}: {p}" for p in found]
    return events, problems


@pytest.mark.django_db(transaction=True)
def test_every_history_entry_of_the_demo_reads_in_words(demo):
    events, problems = history_problems("zh-hans")
    assert events > 200
    assert problems == []
    # in English, the entries of the apps merged on 2026-12-03 (the others still show what people
    # typed into JSON fields the user-data list leaves out — exam options: see
    # labels_check.TYPED_JSON_FIELDS)
    events, problems = history_problems("en", ("settlement", "compliance", "complaints"))
    assert events > 50
    assert problems == []
    # the reasons the platform wrote, of every app, read in English around their values
    from django.utils import translation

    user_data = labels_check.user_data_strings()
    written = AuditEvent.objects.filter(reason_message__isnull=False).order_by("pk")
    assert written.count() >= 5
    with translation.override("en"):
        for event in written:
            frame = USER_DATA_SPAN.sub(" ", history.reason_html(event))
            problems += [f"{event.action}: {p}" for p in labels_check.problems(frame, "en", user_data)]
    assert problems == []


# the object pages of the apps merged on 2026-12-03, each of them (the walk sees three of a kind)
OBJECT_MODELS = [
    "settlement.SettlementRun",
    "settlement.Statement",
    "settlement.Reconciliation",
    "settlement.Dispute",
    "compliance.ViolationRecord",
    "compliance.Assessment",
    "compliance.DetectionHit",
    "complaints.Complaint",
]


def object_pages(user: User) -> list[str]:
    from django.apps import apps
    from django.urls import reverse

    from vasops.compliance.detection.models import DetectionRule
    from vasops.compliance.kpi.models import KpiDefinition
    from vasops.compliance.models import ViolationType
    from vasops.partners.queries import partner_of

    partner = partner_of(user)
    urls = []
    for label in OBJECT_MODELS:
        model = apps.get_model(label)
        rows = model._default_manager.all()
        if partner is not None:
            if not any(f.name == "partner" for f in model._meta.get_fields()):
                continue
            rows = rows.filter(partner=partner)
        urls += [obj.get_absolute_url() for obj in rows]
    if partner is None:
        urls += [
            reverse("compliance:type_edit", args=[t.code])
            for t in ViolationType.objects.filter(is_current=True)
        ]
        urls += [reverse("compliance:kpi:definition_edit", args=[d.pk]) for d in KpiDefinition.objects.all()]
        urls += [reverse("compliance:detection:rule_edit", args=[r.pk]) for r in DetectionRule.objects.all()]
    return urls


@pytest.mark.django_db(transaction=True)
def test_every_settlement_compliance_and_complaint_page_of_the_demo_reads_in_words(client, demo):
    from vasops.console.tests.crawl import read_page

    user_data = labels_check.user_data_strings()
    problems, read = [], 0
    for username in ("admin", "zhao.fin", "sun.cs", "li.head", "xingyun", "chutian", "yunfan", "jingchu"):
        user = User.objects.get(username=username)
        client.force_login(user)
        for url in object_pages(user):
            response = client.get(url)
            if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
                continue
            read += 1
            text, _links = read_page(response.content.decode())
            problems += [f"{username} {url}: {p}" for p in labels_check.problems(text, "zh-hans", user_data)]
        client.logout()
    for url in ("/complaints/public/new/", "/complaints/public/status/"):
        text, _links = read_page(client.get(url).content.decode())
        problems += [f"anonymous {url}: {p}" for p in labels_check.problems(text, "zh-hans", user_data)]
    assert read >= 100
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
    # English words that look like codes or reprs are words in English, and still found in Chinese
    english = "Evidence: None. Detected Jan. 5, 2027, 8:43 a.m. (e.g. 99.5); status: pending_review"
    assert [p.split(" in ")[0] for p in labels_check.problems(english, "en")] == ["code 'pending_review'"]
    assert [p.split(" in ")[0] for p in labels_check.problems("证据：None", "zh-hans")] == ["repr 'None'"]


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


# the older apps: admission (exam and review included), partners, catalog, work orders, the
# value-added-service pages, the console and portal home and the inbox
OLD_APPS = (
    "/admission/",
    "/partners/",
    "/catalog/",
    "/workorders/",
    "/vac/",
    "/console/",
    "/portal/",
    "/inbox/",
)


@pytest.mark.django_db(transaction=True)
def test_the_older_apps_pages_read_in_english(client, demo):
    """Staff of every role, an expert and every demo partner walk in English: no Han outside user
    data and no code on the pages of admission, partners, catalog, work orders, the services, the
    homes, the inbox and the console (the audit log's reasons the platform wrote included)."""
    problems, read = [], 0
    for username in DEMO_USERS:
        pages, found = walk(client, username, "en", only=OLD_APPS)
        assert pages >= 5, (username, pages)
        read += pages
        problems += found
    assert read >= 400
    assert problems == []
