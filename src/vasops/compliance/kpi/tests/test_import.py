"""Recording and importing KPI results: per-row errors with line numbers, nothing half-imported,
corrections, verdicts kept when a threshold changes, the assessment figure."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import Workbook

from vasops.compliance.kpi import actions, queries, rules
from vasops.compliance.kpi.models import KpiDefinition, KpiRecord
from vasops.core import imports
from vasops.core.errors import DomainError, PermissionDenied
from vasops.core.models import AuditEvent, Notification

pytestmark = pytest.mark.django_db

HEADER = "企业代码,指标,周期,结果值,备注\n"


def csv_upload(body: str, *, encoding: str = "utf-8-sig") -> io.BytesIO:
    fh = io.BytesIO((HEADER + body).encode(encoding))
    fh.name = "kpi.csv"
    return fh


def xlsx_upload(rows: list[list[object]]) -> io.BytesIO:
    wb = Workbook()
    ws = wb.active
    ws.append(["企业代码", "指标", "周期", "结果值", "备注"])
    for row in rows:
        ws.append(row)
    fh = io.BytesIO()
    wb.save(fh)
    fh.seek(0)
    fh.name = "kpi.xlsx"
    return fh


def test_the_migration_seeded_the_seven_default_indicators():
    seeded = {d.code: (d.unit, d.direction, d.threshold) for d in KpiDefinition.objects.all()}
    assert seeded == {k.code: (k.unit, k.direction, k.threshold) for k in rules.DEFAULT_KPIS}


def test_csv_import_records_every_row_and_judges_it(om, partner_a, partner_b, user_a):
    saved = actions.import_kpi_records(
        actor=om,
        upload=csv_upload(
            "44000001,wap_response_time,2026-11,2800,\n"
            "44000001,WAP 业务页面访问成功率,2026-11,94.99%,低于门限\n"
            "44000002,gateway_sp_connect,2026-11,99.9,\n"
        ),
    )
    assert len(saved) == 3
    by = {(r.partner_id, r.definition.code): r for r in KpiRecord.objects.select_related("definition")}
    assert by[(partner_a.pk, "wap_response_time")].met is True
    page = by[(partner_a.pk, "wap_page_success")]
    assert (page.value, page.threshold, page.met, page.note) == (9499, 9500, False, "低于门限")
    assert page.period_start == dt.date(2026, 11, 1) and page.period_end == dt.date(2026, 11, 30)
    assert by[(partner_b.pk, "gateway_sp_connect")].met is True
    assert AuditEvent.objects.filter(action="compliance.kpi_record_saved").count() == 3
    # the partner below threshold is told, once, listing the result
    note = Notification.objects.get(recipient=user_a)
    assert "WAP 业务页面访问成功率" in note.body and "94.99%" in note.body


def test_excel_import_works_the_same(om, partner_a):
    actions.import_kpi_records(
        actor=om, upload=xlsx_upload([["44000001", "ivr_trunk_connect", "2026-10", 96]])
    )
    record = KpiRecord.objects.get()
    assert (record.value, record.met) == (9600, True)


def test_malformed_rows_are_each_reported_with_their_line_and_nothing_is_imported(om, partner_a):
    upload = csv_upload(
        "44000001,wap_response_time,2026-11,2800,\n"  # line 2: good
        "99999999,wap_response_time,2026-11,2800,\n"  # line 3: unknown partner
        "44000001,no_such_kpi,2026-11,1,\n"  # line 4: unknown indicator
        "44000001,wap_page_success,2026-13,95,\n"  # line 5: bad month
        "44000001,wap_page_success,2026-11,101%,\n"  # line 6: over 100 %
        "44000001,wap_response_time,2026-11,abc,\n"  # line 7: not a number, and a duplicate of line 2
        ",,,,\n"  # blank: skipped
        "44000001,wap_response_time,,12.5,\n"  # line 9: missing period, decimal ms
    )
    with pytest.raises(actions.ImportRefused) as caught:
        actions.import_kpi_records(actor=om, upload=upload)
    found = {(e.row, e.column) for e in caught.value.errors}
    assert (3, "企业代码") in found
    assert (4, "指标") in found
    assert (5, "周期") in found
    assert (6, "结果值") in found
    assert (7, "结果值") in found and (7, "周期") in found  # the duplicate names line 2
    assert (9, "周期") in found and (9, "结果值") in found
    assert 2 not in {e.row for e in caught.value.errors}
    assert "第 2 行重复" in next(e.message for e in caught.value.errors if e.row == 7 and e.column == "周期")
    assert KpiRecord.objects.count() == 0
    assert caught.value.code == "compliance.kpi_import_invalid"


def test_a_file_that_is_neither_csv_nor_xlsx_is_one_clear_error(om):
    fh = io.BytesIO(b"\xff\xfe\x00\x00garbage\x00")
    with pytest.raises(imports.ImportFileError):
        actions.import_kpi_records(actor=om, upload=fh)


def test_a_missing_column_is_refused_before_any_row(om, partner_a):
    fh = io.BytesIO("企业代码,指标,周期\n44000001,wap_response_time,2026-11\n".encode())
    with pytest.raises(imports.ImportFileError, match="结果值"):
        actions.import_kpi_records(actor=om, upload=fh)


def test_gbk_csv_is_read(om, partner_a):
    actions.import_kpi_records(
        actor=om, upload=csv_upload("44000001,IVR 中继接通率,2026-11,90,\n", encoding="gbk")
    )
    assert KpiRecord.objects.get().met is False


def test_recording_again_corrects_the_value_and_audits_before_and_after(om, partner_a):
    wap = KpiDefinition.objects.get(code="wap_response_time")
    actions.record_kpi(actor=om, partner=partner_a, definition=wap, period="2026-11", value="3500")
    record = actions.record_kpi(actor=om, partner=partner_a, definition=wap, period="2026-11", value="2900")
    assert KpiRecord.objects.count() == 1
    assert (record.value, record.met) == (2900, True)
    last = AuditEvent.objects.filter(action="compliance.kpi_record_saved").order_by("id").last()
    assert last.before["value"] == 3500 and last.after["value"] == 2900


def test_a_changed_threshold_keeps_earlier_verdicts(om, head, partner_a):
    wap = KpiDefinition.objects.get(code="wap_response_time")
    old = actions.record_kpi(actor=om, partner=partner_a, definition=wap, period="2026-10", value="2800")
    actions.save_kpi_definition(
        wap, actor=head, name=wap.name, threshold=2500, direction="at_most", period="month", is_active=True
    )
    new = actions.record_kpi(actor=om, partner=partner_a, definition=wap, period="2026-11", value="2800")
    old.refresh_from_db()
    assert (old.threshold, old.met) == (3000, True)
    assert (new.threshold, new.met) == (2500, False)


def test_threshold_out_of_range_is_refused(head):
    page = KpiDefinition.objects.get(code="wap_page_success")
    with pytest.raises(DomainError) as caught:
        actions.save_kpi_definition(
            page,
            actor=head,
            name=page.name,
            threshold=10001,
            direction="at_least",
            period="month",
            is_active=True,
        )
    assert caught.value.field == "threshold"


def test_partner_users_and_om_cannot_change_definitions(om, user_a):
    wap = KpiDefinition.objects.get(code="wap_response_time")
    for who in (om, user_a):
        with pytest.raises(PermissionDenied):
            actions.save_kpi_definition(
                wap, actor=who, name="x", threshold=1, direction="at_most", period="month", is_active=True
            )


def test_partner_users_cannot_record(user_a, partner_a):
    wap = KpiDefinition.objects.get(code="wap_response_time")
    with pytest.raises(PermissionDenied):
        actions.record_kpi(actor=user_a, partner=partner_a, definition=wap, period="2026-11", value="1")


def test_below_threshold_count_for_the_assessment(om, partner_a, partner_b):
    actions.import_kpi_records(
        actor=om,
        upload=csv_upload(
            "44000001,wap_response_time,2026-10,3001,\n"  # below (at most 3000)
            "44000001,wap_page_success,2026-11,90,\n"  # below
            "44000001,ivr_trunk_connect,2026-11,99,\n"  # met
            "44000001,wap_page_success,2026-12,90,\n"  # below, outside the period asked
            "44000002,wap_page_success,2026-11,90,\n"  # another partner
        ),
    )
    assert queries.below_threshold_count(partner_a.pk, dt.date(2026, 10, 1), dt.date(2026, 11, 30)) == 2
    assert queries.below_threshold_count(partner_a.pk, dt.date(2026, 11, 1), dt.date(2026, 11, 30)) == 1
