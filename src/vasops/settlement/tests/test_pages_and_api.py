"""Pages and API routes: finance sees everything; a partner sees only its own statements, and only
once published; the PDF carries the Chinese text and the totals; the Excel adds up."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest

from vasops.settlement import actions
from vasops.settlement.models import Statement
from vasops.settlement.tests.cdrs import shanghai, write_month

pytestmark = pytest.mark.django_db
NOV = dt.date(2026, 11, 1)
HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def published(world, cdr_dir, finance, finance2, django_capture_on_commit_callbacks, settings):
    settings.VASOPS_STAFF_2FA = False
    a, b = world["a"], world["b"]
    actions.record_adjustment(
        actor=finance,
        partner=a.partner,
        kind="refund",
        month=NOV,
        amount_fen=-100,
        product=a,
        reason="用户投诉退费",
    )
    write_month(
        cdr_dir,
        NOV,
        [
            (a.pk, a.partner_id, 1000, "per_use", shanghai(dt.date(2026, 11, 3))),
            (a.pk, a.partner_id, 2345, "monthly", shanghai(dt.date(2026, 11, 1), 0, 5)),
            (b.pk, b.partner_id, 999, "per_use", shanghai(dt.date(2026, 11, 30), 23, 59)),
        ],
    )
    with django_capture_on_commit_callbacks(execute=True):
        run = actions.start_run(actor=finance, month=NOV)
    run.refresh_from_db()
    return run


def publish(run, finance, finance2):
    actions.approve_run(actor=finance2, run=run)
    actions.publish_run(actor=finance, run=run)


def statements_of(run, world):
    return (
        Statement.objects.get(run=run, partner=world["a"].partner),
        Statement.objects.get(run=run, partner=world["b"].partner),
    )


def test_a_partner_sees_its_statement_only_once_published_and_never_another_partners(
    client, published, world, finance, finance2
):
    mine, theirs = statements_of(published, world)
    client.force_login(world["user_a"])
    for url in (f"/settlement/statements/{mine.pk}/", f"/settlement/statements/{mine.pk}/pdf/"):
        assert client.get(url).status_code == 404  # computed, not yet published
    assert mine.number not in client.get("/settlement/my/statements/").content.decode()
    publish(published, finance, finance2)
    body = client.get("/settlement/my/statements/").content.decode()
    assert mine.number in body and theirs.number not in body
    assert client.get(f"/settlement/statements/{mine.pk}/").status_code == 200
    for suffix in ("", "pdf/", "xlsx/"):
        assert client.get(f"/settlement/statements/{theirs.pk}/{suffix}").status_code == 404
    # console pages are not for partners
    for url in (
        "/settlement/runs/",
        f"/settlement/runs/{published.pk}/",
        f"/settlement/runs/{published.pk}/progress/",
        "/settlement/runs/new/",
        "/settlement/dashboard/",
        "/settlement/bad-debt/",
        "/settlement/bad-debt/new/",
        "/settlement/ratios/new/",
        "/settlement/adjustments/new/",
    ):
        assert client.get(url).status_code in (403, 404), url
    for action in ("approve", "publish", "restart"):
        assert client.post(f"/settlement/runs/{published.pk}/{action}/").status_code == 404
    assert client.post("/settlement/ratios/sync/").status_code == 403
    published.refresh_from_db()
    assert published.state == "published"
    # adjustments and ratios: only its own
    body = client.get("/settlement/my/adjustments/").content.decode()
    assert "用户投诉退费" in body
    client.force_login(world["user_b"])
    assert "用户投诉退费" not in client.get("/settlement/my/adjustments/").content.decode()
    ratios = client.get("/settlement/my/ratios/").content.decode()
    assert world["b"].partner.name in ratios and world["a"].partner.name not in ratios


def test_the_statement_pdf_has_chinese_text_and_the_totals(client, published, world, finance, finance2):
    from pypdf import PdfReader

    publish(published, finance, finance2)
    mine, _ = statements_of(published, world)
    client.force_login(world["user_a"])
    response = client.get(f"/settlement/statements/{mine.pk}/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = "".join(page.extract_text() for page in reader.pages)
    squeezed = text.replace(" ", "").replace("\n", "")
    # gross 33.45, refund −1.00 → net 32.45 × 70 % = 22.715 → 22.72
    assert "结算单" in squeezed and world["a"].partner.name in squeezed and "天气快讯" in squeezed
    assert "33.45" in squeezed and "32.45" in squeezed and "22.72" in squeezed
    assert "用户投诉退费" in squeezed and "工商银行武汉分行" in squeezed
    fonts = {
        str(font.get_object().get("/BaseFont"))
        for page in reader.pages
        for font in (page["/Resources"].get("/Font") or {}).values()
    }
    assert any("NotoSansCJK" in f or "Noto" in f for f in fonts), fonts  # the CJK font is embedded
    assert mine.partner_share_fen == 2272


def test_the_statement_excel_adds_up(client, published, world, finance, finance2):
    from openpyxl import load_workbook

    publish(published, finance, finance2)
    mine, _ = statements_of(published, world)
    client.force_login(finance)
    response = client.get(f"/settlement/statements/{mine.pk}/xlsx/")
    wb = load_workbook(io.BytesIO(response.content))
    ws = wb["结算单"]
    rows = [r for r in ws.iter_rows(values_only=True) if r and r[0]]
    header = next(r for r in rows if r[0] == "产品")
    total = next(r for r in rows if r[0] == "合计")
    col = header.index("合作伙伴分成（元）")
    lines = rows[rows.index(header) + 1 : rows.index(total)]
    assert round(sum(r[col] for r in lines), 2) == total[col] == 22.72
    assert total[header.index("净额（元）")] == 32.45
    assert [r[0] for r in wb["扣减与调整"].iter_rows(values_only=True)][1:] == ["退费"]


def test_the_statement_excel_follows_the_language_of_who_downloads_it(
    client, published, world, finance, finance2
):
    """The same statement, downloaded by a partner user in English mode: sheet names, headers and
    row labels in English, the numbers unchanged; the next download in Chinese mode is Chinese."""
    from openpyxl import load_workbook

    publish(published, finance, finance2)
    mine, _ = statements_of(published, world)
    client.force_login(world["user_a"])
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    wb = load_workbook(io.BytesIO(client.get(f"/settlement/statements/{mine.pk}/xlsx/").content))
    assert wb.sheetnames == ["Statement", "Deductions and adjustments"]
    rows = [r for r in wb["Statement"].iter_rows(values_only=True) if r and r[0]]
    assert rows[0][:2] == ("Statement no.", mine.number)
    header = next(r for r in rows if r[0] == "Product")
    total = next(r for r in rows if r[0] == "Total")
    assert total[header.index("Partner share (yuan)")] == 22.72
    adjustments = list(wb["Deductions and adjustments"].iter_rows(values_only=True))
    assert adjustments[0][:3] == ("Type", "Product", "Amount (yuan)")
    assert adjustments[1][0] == "Refund"
    assert not any(HAN.search(str(cell)) for cell in (*header, *total) if cell)

    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    wb = load_workbook(io.BytesIO(client.get(f"/settlement/statements/{mine.pk}/xlsx/").content))
    assert wb.sheetnames == ["结算单", "扣减与调整"]


def test_finance_pages_render(client, published, finance, finance2):
    client.force_login(finance)
    for url in (
        "/settlement/runs/",
        f"/settlement/runs/{published.pk}/",
        f"/settlement/runs/{published.pk}/progress/",
        "/settlement/runs/new/",
        "/settlement/statements/",
        "/settlement/ratios/",
        "/settlement/ratios/new/",
        "/settlement/bad-debt/",
        "/settlement/bad-debt/new/",
        "/settlement/adjustments/",
        "/settlement/adjustments/new/",
        "/settlement/dashboard/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    body = client.get("/settlement/dashboard/").content.decode()
    assert "<svg" in body and "按月收入" in body
    xlsx = client.get("/settlement/dashboard/?export=xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    # the approve button is on the page; the starter's own approval is refused with the reason
    client.post(f"/settlement/runs/{published.pk}/approve/")
    published.refresh_from_db()
    assert published.state == "computed"
    client.force_login(finance2)
    client.post(f"/settlement/runs/{published.pk}/approve/")
    published.refresh_from_db()
    assert published.state == "approved"


def test_finance_starts_a_run_and_sets_ratios_from_the_pages(
    client, world, cdr_dir, finance, settings, django_capture_on_commit_callbacks
):
    settings.VASOPS_STAFF_2FA = False
    client.force_login(finance)
    body = client.post("/settlement/runs/new/", {"month": "2026-11", "engine": "duckdb"}).content.decode()
    assert "2026-11-01" in body  # the refusal names the missing export days
    r = client.post(
        "/settlement/ratios/new/",
        {
            "level": "product",
            "product": world["a"].pk,
            "ratio_percent": "80",
            "valid_from": "2026-12-01",
            "reason": "新签补充协议",
        },
    )
    assert r.status_code == 302
    r = client.post(
        "/settlement/bad-debt/new/",
        {
            "business_line": world["a"].business_line_id,
            "month": "2026-12",
            "rate_percent": "1.5",
            "reason": "坏账核定",
        },
    )
    assert r.status_code == 302
    r = client.post(
        "/settlement/adjustments/new/",
        {"partner": world["a"].partner_id, "month": "2026-12", "amount": "-12.50", "reason": "违规扣款"},
    )
    assert r.status_code == 302


def api(client, method, url, user, **kwargs):
    client.force_login(user)
    return getattr(client, method)(f"/api/v1{url}", content_type="application/json", **kwargs)


def test_api_runs_and_statements_with_partner_isolation(client, published, world, finance, finance2):
    r = api(client, "get", "/settlement/runs", finance)
    assert r.status_code == 200 and r.json()[0]["partner_share_fen"] == published.partner_share_fen
    mine, theirs = statements_of(published, world)
    # not published: the partner sees nothing
    r = api(client, "get", "/settlement/statements", world["user_a"])
    assert r.json() == []
    assert api(client, "get", f"/settlement/statements/{mine.pk}/pdf", world["user_a"]).status_code == 404
    assert (
        api(client, "post", f"/settlement/runs/{published.pk}/approve", finance, data={}).status_code == 409
    )
    assert (
        api(client, "post", f"/settlement/runs/{published.pk}/approve", finance2, data={}).status_code == 200
    )
    assert (
        api(client, "post", f"/settlement/runs/{published.pk}/publish", finance).json()["state"]
        == "published"
    )
    r = api(client, "get", "/settlement/statements", world["user_a"])
    assert [s["id"] for s in r.json()] == [mine.pk]
    assert api(client, "get", f"/settlement/statements/{theirs.pk}", world["user_a"]).status_code == 404
    assert api(client, "get", f"/settlement/statements/{theirs.pk}/xlsx", world["user_a"]).status_code == 404
    pdf = api(client, "get", f"/settlement/statements/{mine.pk}/pdf", world["user_a"])
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    # partners cannot reach runs or write
    assert api(client, "get", "/settlement/runs", world["user_a"]).json() == []
    assert api(client, "get", f"/settlement/runs/{published.pk}", world["user_a"]).status_code == 404
    r = api(
        client,
        "post",
        "/settlement/adjustments",
        world["user_a"],
        data={"partner_id": world["a"].partner_id, "month": "2026-12", "amount_fen": 100, "reason": "x"},
    )
    assert r.status_code == 403
    adjustments = api(client, "get", "/settlement/adjustments", world["user_b"]).json()
    assert adjustments == []
    ratios = api(client, "get", "/settlement/ratios", world["user_b"]).json()
    assert {r["partner_id"] for r in ratios} == {world["b"].partner_id}


def test_api_finance_adds_adjustments_and_ratios(client, world, finance, settings):
    settings.VASOPS_STAFF_2FA = False
    r = api(
        client,
        "post",
        "/settlement/adjustments",
        finance,
        data={
            "partner_id": world["a"].partner_id,
            "month": "2026-11",
            "amount_fen": -500,
            "reason": "违规扣款",
        },
    )
    assert r.status_code == 201 and r.json()["month"] == "2026-11-01"
    r = api(
        client,
        "post",
        "/settlement/ratios",
        finance,
        data={
            "level": "business_line",
            "business_line": "SMS",
            "ratio_bp": 6000,
            "valid_from": "2026-12-01",
            "reason": "短信类统一比例",
        },
    )
    assert r.status_code == 201 and r.json()["partner_id"] is None
    r = api(
        client,
        "post",
        "/settlement/ratios",
        finance,
        data={
            "level": "business_line",
            "business_line": "SMS",
            "ratio_bp": 6500,
            "valid_from": "2026-12-01",
            "reason": "重叠",
        },
    )
    assert r.status_code == 400 and r.json()["code"] == "settlement.ratio_overlap"
