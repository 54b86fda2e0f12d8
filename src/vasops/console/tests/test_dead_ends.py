"""No dead ends: each role's menu holds exactly the pages that role can open; a page refused
says, in words, which roles may open it and offers a way back; the API docs load nothing from
another host."""

from __future__ import annotations

import re

import pytest
from django.urls import NoReverseMatch, reverse

from vasops.console.tests.crawl import outside_refs
from vasops.core import roles, ui
from vasops.core.testing import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

NAV_LINK = re.compile(r'<a class="nav-link[^"]*" href="([^"]+)"')


@pytest.fixture(autouse=True)
def _no_2fa(settings):
    settings.VASOPS_STAFF_2FA = False


def nav_of(client) -> set[str]:
    body = client.get(reverse("core:inbox")).content.decode()
    aside = body.split("<aside", 1)[1].split("</aside>", 1)[0]
    return set(NAV_LINK.findall(aside))


def audience_urls(audience: str) -> dict[str, str]:
    out = {}
    for item in ui.collect_nav()[audience]:
        try:
            out[reverse(item.url_name)] = str(item.label)
        except NoReverseMatch:
            continue
    return out


@pytest.mark.parametrize("role", sorted(roles.STAFF_ROLES))
def test_each_staff_role_sees_exactly_the_menu_entries_it_can_open(client, role):
    user = StaffFactory(username=f"nav_{role}", roles=[role])
    client.force_login(user)
    shown = nav_of(client)
    assert shown, role
    wrong = []
    for url, label in audience_urls("console").items():
        status = client.get(url).status_code
        if url in shown and status != 200:
            wrong.append(f"{label} {url}: in the menu, answers {status}")
        if url not in shown and status == 200:
            wrong.append(f"{label} {url}: opens (200) but is not in the menu")
    assert wrong == []


def test_the_partner_menu_holds_only_pages_a_partner_opens(client):
    from vasops.partners.tests.factories import PartnerFactory, partner_user

    partner = PartnerFactory(name="菜单测试公司")
    client.force_login(partner_user(partner, admin=True))
    shown = nav_of(client)
    assert shown
    portal = audience_urls("portal")
    assert shown <= set(portal) | {reverse("home")}
    assert [url for url in shown if client.get(url).status_code != 200] == []


def test_om_no_longer_sees_the_product_import_it_cannot_open(client):
    om = StaffFactory(username="nav_om", roles=[roles.OM_ENGINEER])
    client.force_login(om)
    assert reverse("catalog:product_import") not in nav_of(client)
    assert reverse("catalog:product_import") not in client.get(reverse("catalog:products")).content.decode()


def test_a_refused_page_names_the_roles_that_may_open_it_and_offers_a_way_back(client):
    om = StaffFactory(username="forbidden_om", roles=[roles.OM_ENGINEER])
    client.force_login(om)
    response = client.get(
        reverse("catalog:product_import"), HTTP_REFERER="http://testserver/catalog/products/"
    )
    assert response.status_code == 403
    body = response.content.decode()
    assert 'data-testid="error-403"' in body and "无权访问此页面" in body
    assert "产品创新部" in body and "部门负责人" in body  # the roles holding the permissions
    assert 'href="http://testserver/catalog/products/"' in body  # back where the person came from
    assert "403 Forbidden" not in body


def test_a_refusal_without_a_named_permission_still_reads_as_a_page_with_a_way_home(client):
    user = UserFactory(username="nobody_in_particular")
    client.force_login(user)
    response = client.get(reverse("core:audit_log"), HTTP_REFERER="https://elsewhere.example/phish")
    assert response.status_code == 403
    body = response.content.decode()
    assert "无权访问此页面" in body and "审计" in body
    assert "elsewhere.example" not in body  # never a link back to another site


def test_missing_pages_are_styled_and_lead_home(client, settings):
    settings.DEBUG = False
    client.force_login(StaffFactory(username="nav_404", roles=[roles.PRODUCT_STAFF]))
    response = client.get("/catalog/products/999999/")
    assert response.status_code == 404
    body = response.content.decode()
    assert 'data-testid="error-404"' in body and "页面不存在" in body and 'href="/"' in body


def test_the_api_docs_load_everything_from_this_site(client):
    client.force_login(StaffFactory(username="docs_reader", roles=[roles.PRODUCT_STAFF]))
    response = client.get("/api/v1/docs")
    if response.status_code in (301, 302):
        response = client.get(response["Location"])
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger" in html.lower()
    assert outside_refs(html) == []
    scripts = re.findall(r'<script[^>]+src="([^"]+)"', html)
    assert scripts and all(s.startswith("/") for s in scripts)
    for src in scripts:
        assert client.get(src).status_code == 200  # served by this site (ninja's bundled files)


def test_the_outside_host_finder():
    assert outside_refs('<script src="https://cdn.jsdelivr.net/x.js"></script>') == [
        "https://cdn.jsdelivr.net/x.js"
    ]
    assert outside_refs('<link href="//fonts.googleapis.com/css">') == ["//fonts.googleapis.com/css"]
    assert outside_refs('<a href="/catalog/">x</a><a href="mailto:a@b.example">m</a>') == []
