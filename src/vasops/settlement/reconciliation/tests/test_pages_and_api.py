"""The pages and API routes: the partner's flow, finance's decisions, and partner isolation on
every page and route (another partner's request or dispute is a 404)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from vasops.api.models import ApiToken
from vasops.core.testing import verify_client
from vasops.settlement.models import Adjustment
from vasops.settlement.reconciliation import actions
from vasops.settlement.reconciliation.models import Dispute, Reconciliation
from vasops.settlement.reconciliation.tests import factories as f

MONTH = dt.date(2026, 12, 1)
API = "/api/v1/settlement"


def auth(user):
    _, secret = ApiToken.issue(user)
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def both(world):
    """A diffed request with one pending dispute for A, and one for B."""
    rec_a = actions.open_reconciliation(actor=world.user_a, month=MONTH)
    rec_a = actions.upload_records(
        rec_a, actor=world.user_a, summary=f.summary_csv([("2026-12-02", "1065880102", 3, 300)])
    )
    rec_b = actions.open_reconciliation(actor=world.user_b, month=MONTH)
    rec_b = actions.upload_records(
        rec_b, actor=world.user_b, summary=f.summary_csv([("2026-12-03", "1065990101", 2, 600)])
    )
    world.rec_a, world.rec_b = rec_a, rec_b
    world.dispute_a = actions.raise_dispute(
        rec_a.lines.get(day=dt.date(2026, 12, 2)), actor=world.user_a, reason="甲"
    )
    world.dispute_b = actions.raise_dispute(rec_b.lines.get(), actor=world.user_b, reason="乙")
    return world


def test_partner_a_cannot_reach_partner_b_on_any_page(client, both):
    w = both
    client.force_login(w.user_a)
    line_b = w.rec_b.lines.get()
    pages = [
        reverse("reconciliation:detail", args=[w.rec_b.pk]),
        reverse("reconciliation:cdr_diff", args=[w.rec_b.pk]) + "?day=2026-12-03",
        reverse("reconciliation:raise_dispute", args=[w.rec_b.pk, line_b.pk]),
        reverse("reconciliation:dispute", args=[w.dispute_b.pk]),
    ]
    for url in pages:
        assert client.get(url).status_code == 404, url
    assert client.post(pages[0], {"op": "close"}).status_code == 404
    assert client.post(pages[3], {"op": "evidence"}).status_code == 404
    # their own pages work, and lists show only their own
    assert client.get(reverse("reconciliation:detail", args=[w.rec_a.pk])).status_code == 200
    mine = client.get(reverse("reconciliation:mine")).content.decode()
    assert w.rec_a.number in mine and w.rec_b.number not in mine
    disputes = client.get(reverse("reconciliation:disputes")).content.decode()
    assert w.dispute_a.number in disputes and w.dispute_b.number not in disputes
    # the console list sends a partner to its own list
    assert client.get(reverse("reconciliation:list")).url == reverse("reconciliation:mine")


def test_partner_a_cannot_reach_partner_b_on_any_route(client, both):
    w = both
    h = auth(w.user_a)
    b, d = w.rec_b.pk, w.dispute_b.pk
    gets = [
        f"{API}/reconciliations/{b}",
        f"{API}/reconciliations/{b}/lines",
        f"{API}/reconciliations/{b}/cdr-diff?day=2026-12-03",
        f"{API}/disputes/{d}",
    ]
    for url in gets:
        response = client.get(url, headers=h)
        assert response.status_code == 404, url
        assert response.json()["code"] == "core.not_found"
    posts = [
        (f"{API}/reconciliations/{b}/disputes", {"line_id": w.rec_b.lines.get().pk, "reason": "x"}),
        (f"{API}/reconciliations/{b}/close", {}),
        (f"{API}/disputes/{d}/accept", {"reason": "x"}),
        (f"{API}/disputes/{d}/reject", {"reason": "x"}),
    ]
    for url, body in posts:
        assert client.post(url, body, content_type="application/json", headers=h).status_code == 404, url
    upload = client.post(
        f"{API}/reconciliations/{b}/upload",
        {"summary": f.summary_csv([("2026-12-03", "1065990101", 2, 600)])},
        headers=h,
    )
    assert upload.status_code == 404
    evidence = client.post(f"{API}/disputes/{d}/evidence", {"evidence": f.pdf()}, headers=h)
    assert evidence.status_code == 404
    listed = client.get(f"{API}/reconciliations", headers=h)
    assert listed["X-Total-Count"] == "1" and listed.json()[0]["id"] == w.rec_a.pk
    assert [x["id"] for x in client.get(f"{API}/disputes", headers=h).json()] == [w.dispute_a.pk]


def test_the_partner_flow_through_the_api(client, world):
    h = auth(world.user_a)
    response = client.post(
        f"{API}/reconciliations", {"month": "2026-12"}, content_type="application/json", headers=h
    )
    assert response.status_code == 201, response.content
    rec_id = response.json()["id"]
    bad = client.post(
        f"{API}/reconciliations/{rec_id}/upload",
        {"summary": f.summary_csv([("2026-12-02", "1065880102", 3, -300)])},
        headers=h,
    )
    assert bad.status_code == 400
    body = bad.json()
    assert body["code"] == "settlement.reconciliation_rows_invalid"
    assert body["errors"][0]["row"] == 2 and "负数" in body["errors"][0]["message"]
    ok = client.post(
        f"{API}/reconciliations/{rec_id}/upload",
        {"summary": f.summary_csv([("2026-12-02", "1065880102", 3, 300)], encoding="gbk")},
        headers=h,
    )
    assert ok.status_code == 200, ok.content
    assert ok.json()["state"] == "diffed" and ok.json()["file_encoding"] == "gb18030"
    lines = client.get(f"{API}/reconciliations/{rec_id}/lines?status=amount_differs", headers=h).json()
    assert [(x["day"], x["difference_fen"]) for x in lines] == [("2026-12-02", 100)]
    raised = client.post(
        f"{API}/reconciliations/{rec_id}/disputes",
        {"line_id": lines[0]["id"], "reason": "平台漏计 1 条"},
        content_type="application/json",
        headers=h,
    )
    assert raised.status_code == 201 and raised.json()["state"] == "pending"
    dispute_id = raised.json()["id"]
    # the partner cannot decide its own dispute
    refused = client.post(
        f"{API}/disputes/{dispute_id}/accept", {"reason": "x"}, content_type="application/json", headers=h
    )
    assert refused.status_code == 403
    accepted = client.post(
        f"{API}/disputes/{dispute_id}/accept",
        {"reason": "核实属实"},
        content_type="application/json",
        headers=auth(world.finance),
    )
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["state"] == "accepted" and accepted.json()["adjustment_month"] == "2027-01"
    # both sides see the status
    assert client.get(f"{API}/disputes/{dispute_id}", headers=h).json()["state"] == "accepted"
    assert Adjustment.objects.get().amount_fen == 100


def test_bad_month_and_unended_month_answers(client, world):
    h = auth(world.user_a)
    r = client.post(
        f"{API}/reconciliations", {"month": "2026-13"}, content_type="application/json", headers=h
    )
    assert r.status_code == 400 and r.json()["code"] == "settlement.reconciliation_bad_month"
    r = client.post(
        f"{API}/reconciliations", {"month": "2027-01"}, content_type="application/json", headers=h
    )
    assert r.status_code == 400 and r.json()["code"] == "settlement.reconciliation_month_not_ended"


def test_the_partner_pages_upload_dispute_and_see_the_decision(client, world):
    client.force_login(world.user_a)
    r = client.post(reverse("reconciliation:new"), {"month": "2026-12"})
    rec = Reconciliation.objects.get()
    assert r.status_code == 302 and r.url == rec.get_absolute_url()
    bad = client.post(
        rec.get_absolute_url(),
        {"op": "upload", "summary": f.summary_csv([("2026-12-02", "1065880102", 3, 300)] * 2)},
    )
    assert bad.status_code == 400
    assert "重复" in bad.content.decode() and "第 2 行" in bad.content.decode()
    ok = client.post(
        rec.get_absolute_url(),
        {"op": "upload", "summary": f.summary_csv([("2026-12-02", "1065880102", 3, 300)])},
    )
    assert ok.status_code == 302
    page = client.get(rec.get_absolute_url()).content.decode()
    assert "金额不一致" in page and "<svg" in page and "提出争议" in page
    line = rec.lines.get(day=dt.date(2026, 12, 2))
    r = client.post(
        reverse("reconciliation:raise_dispute", args=[rec.pk, line.pk]),
        {"reason": "平台漏计", "evidence": f.pdf()},
    )
    dispute = Dispute.objects.get()
    assert r.status_code == 302 and r.url == dispute.get_absolute_url()
    assert dispute.evidence.count() == 1
    verify_client(client, world.finance)
    queue = client.get(reverse("reconciliation:disputes")).content.decode()
    assert dispute.number in queue
    r = client.post(dispute.get_absolute_url(), {"op": "accept", "accept-reason": "核实属实"})
    assert r.status_code == 302
    dispute.refresh_from_db()
    assert dispute.state == "accepted"
    client.force_login(world.user_a)
    page = client.get(dispute.get_absolute_url()).content.decode()
    assert "已接受" in page and "2027-01" in page


def test_staff_without_the_view_permission_see_nothing(client, both):
    from vasops.core.testing import make_user

    cs = make_user("cs", roles=["cs_agent"], staff=True)
    verify_client(client, cs)
    assert client.get(reverse("reconciliation:list")).status_code == 404
    assert client.get(reverse("reconciliation:detail", args=[both.rec_a.pk])).status_code == 404
    assert client.get(reverse("reconciliation:disputes")).status_code == 404
    assert client.get(f"{API}/reconciliations", headers=auth(cs)).json() == []


def test_example_files_download(client, world):
    client.force_login(world.user_a)
    r = client.get(reverse("reconciliation:example", args=["reconciliation-summary-example.csv"]))
    assert r.status_code == 200 and r.content.startswith("\ufeff日期".encode())
    assert client.get(reverse("reconciliation:example", args=["nope.csv"])).status_code == 404
