"""Runs: start → computed (background) → approved by a second finance user → published; the
manifest, immutability and version diffs, refusals, crash safety, the month closing."""

from __future__ import annotations

import datetime as dt

import pytest

from vasops.core.errors import DomainError, PermissionDenied
from vasops.core.models import AuditEvent, Notification
from vasops.settlement import actions
from vasops.settlement.errors import SettlementError
from vasops.settlement.models import SettlementLine, SettlementRun, Statement
from vasops.settlement.tests.cdrs import shanghai, write_month

pytestmark = pytest.mark.django_db
NOV = dt.date(2026, 11, 1)


def nov_cdrs(world, fee_a=1000, fee_b=333):
    a, b = world["a"], world["b"]
    return [
        (a.pk, a.partner_id, fee_a, "per_use", shanghai(dt.date(2026, 11, 3))),
        (a.pk, a.partner_id, 500, "monthly", shanghai(dt.date(2026, 11, 1), 0, 5)),
        (b.pk, b.partner_id, fee_b, "per_use", shanghai(dt.date(2026, 11, 30), 23, 59)),
    ]


def start(actor, django_capture_on_commit_callbacks, month=NOV):
    with django_capture_on_commit_callbacks(execute=True):
        run = actions.start_run(actor=actor, month=month)
    run.refresh_from_db()
    return run


def test_a_month_runs_to_statements_is_approved_by_a_second_user_and_published(
    world, cdr_dir, finance, finance2, django_capture_on_commit_callbacks
):
    write_month(cdr_dir, NOV, nov_cdrs(world))
    run = start(finance, django_capture_on_commit_callbacks)
    assert run.state == SettlementRun.State.COMPUTED and run.version == 1 and run.engine == "duckdb"
    # totals: A 1500 gross → 1050; B 333 → 233.1 → 233
    assert (run.cdr_count, run.gross_fen, run.partner_share_fen, run.carrier_share_fen) == (
        3,
        1833,
        1283,
        550,
    )
    assert run.partner_share_fen + run.carrier_share_fen == run.net_fen
    # the manifest names every file with its rows and checksum, and the ratio versions
    assert len(run.manifest["files"]) == 30 and run.manifest["cdr_rows"] == 3
    assert all(len(f["sha256"]) == 64 for f in run.manifest["files"])
    assert len(run.manifest["ratio_versions"]) == 2
    assert set(run.durations_ms) >= {"inputs", "compute"}
    statement = Statement.objects.get(run=run, partner=world["a"].partner)
    assert (statement.gross_fen, statement.partner_share_fen, statement.line_count) == (1500, 1050, 1)
    assert statement.account_number == f"4200{world['a'].partner_id:08d}"

    with pytest.raises(DomainError) as err:
        actions.approve_run(actor=finance, run=run)
    assert err.value.code == SettlementError.FOUR_EYES
    with pytest.raises(DomainError):  # not approved yet
        actions.publish_run(actor=finance, run=run)
    actions.approve_run(actor=finance2, run=run)
    actions.publish_run(actor=finance, run=run)
    run.refresh_from_db()
    assert run.state == SettlementRun.State.PUBLISHED and run.approved_by == finance2
    note = Notification.objects.get(recipient=world["user_a"])
    assert "结算单已发布" in note.subject and "10.50" in note.subject
    assert AuditEvent.objects.filter(action="settlement.run_published", object_id=str(run.pk)).exists()
    # the month is closed: adjustments dated November go to December, a new run is refused
    assert actions.open_month_for(NOV) == dt.date(2026, 12, 1)
    adj = actions.add_manual_adjustment(
        actor=finance, partner=world["a"].partner, month=NOV, amount_fen=100, reason="补差"
    )
    assert adj.month == dt.date(2026, 12, 1)
    with pytest.raises(DomainError) as err:
        actions.start_run(actor=finance, month=NOV)
    assert err.value.code == SettlementError.MONTH_CLOSED


def test_computing_again_is_a_new_version_with_a_diff_and_the_old_one_is_untouched(
    world, cdr_dir, finance, finance2, django_capture_on_commit_callbacks
):
    write_month(cdr_dir, NOV, nov_cdrs(world))
    v1 = start(finance, django_capture_on_commit_callbacks)
    v1_lines = list(SettlementLine.objects.filter(run=v1).values())
    actions.record_adjustment(
        actor=finance,
        partner=world["a"].partner,
        kind="penalty",
        month=NOV,
        amount_fen=-200,
        reason="违规扣款",
    )
    # the adjustment makes v1 stale: it cannot be approved any more
    with pytest.raises(DomainError) as err:
        actions.approve_run(actor=finance2, run=v1)
    assert err.value.code == SettlementError.STALE_INPUTS
    v2 = start(finance, django_capture_on_commit_callbacks)
    v1.refresh_from_db()
    assert (v2.version, v2.state, v1.state) == (2, "computed", "superseded")
    assert list(SettlementLine.objects.filter(run=v1).values()) == v1_lines
    # A: net 1500 − 200 = 1300 → 910 (was 1050); B unchanged
    assert v2.diff == {
        "previous_version": 1,
        "partners": [
            {
                "partner_id": world["a"].partner_id,
                "net_before": 1500,
                "net_after": 1300,
                "share_before": 1050,
                "share_after": 910,
                "share_delta": -140,
            }
        ],
    }
    with pytest.raises(DomainError):  # a superseded version is never approved
        actions.approve_run(actor=finance2, run=v1)


def test_missing_export_days_are_refused_by_name(world, cdr_dir, finance):
    write_month(cdr_dir, NOV, nov_cdrs(world), skip=(dt.date(2026, 11, 7), dt.date(2026, 11, 30)))
    with pytest.raises(DomainError) as err:
        actions.start_run(actor=finance, month=NOV)
    assert err.value.code == SettlementError.EXPORT_MISSING
    assert "2026-11-07" in err.value.message and "2026-11-30" in err.value.message
    assert not SettlementRun.objects.exists()


def test_a_day_file_holding_another_days_cdrs_is_refused_by_name(world, cdr_dir, finance):
    import pyarrow.parquet as pq

    files = write_month(cdr_dir, NOV, nov_cdrs(world))
    # November 3rd's CDR copied into the 2nd's file: the run would settle it on the wrong day
    second, third = pq.ParquetFile(files[1]).read(), pq.ParquetFile(files[2]).read()
    assert third.num_rows
    import pyarrow as pa

    pq.write_table(pa.concat_tables([second, third]), files[1])
    with pytest.raises(DomainError) as err:
        actions.start_run(actor=finance, month=NOV)
    assert err.value.code == SettlementError.EXPORT_MISPLACED
    assert "2026-11-02" in err.value.message and "2026-11-03" not in err.value.message
    assert not SettlementRun.objects.exists()


def test_a_truncated_file_counts_as_missing(world, cdr_dir, finance):
    files = write_month(cdr_dir, NOV, nov_cdrs(world))
    files[4].write_bytes(files[4].read_bytes()[:20])
    with pytest.raises(DomainError) as err:
        actions.start_run(actor=finance, month=NOV)
    assert "2026-11-05" in err.value.message


def test_a_month_not_over_is_refused(world, cdr_dir, finance):
    with pytest.raises(DomainError) as err:
        actions.start_run(actor=finance, month=dt.date(2026, 12, 1))
    assert err.value.code == SettlementError.MONTH_NOT_OVER


def test_a_crash_while_writing_leaves_no_line_and_the_run_can_be_restarted(
    world, cdr_dir, finance, monkeypatch, django_capture_on_commit_callbacks
):
    write_month(cdr_dir, NOV, nov_cdrs(world))
    real = Statement.objects.bulk_create

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(Statement.objects, "bulk_create", boom)
    run = start(finance, django_capture_on_commit_callbacks)
    assert run.state == SettlementRun.State.FAILED and "disk full" in run.error
    assert not SettlementLine.objects.filter(run=run).exists()
    monkeypatch.setattr(Statement.objects, "bulk_create", real)
    with django_capture_on_commit_callbacks(execute=True):
        actions.restart_run(actor=finance, run=run)
    run.refresh_from_db()
    assert run.state == SettlementRun.State.COMPUTED and run.version == 1
    assert SettlementLine.objects.filter(run=run).count() == 2


def test_a_product_without_any_ratio_fails_the_run_naming_it(
    world, cdr_dir, finance, other_partner, django_capture_on_commit_callbacks
):
    from vasops.catalog.tests.factories import ProductFactory

    lonely = ProductFactory(partner=other_partner)
    write_month(cdr_dir, NOV, [(lonely.pk, other_partner.pk, 100, "per_use", shanghai(NOV))])
    run = start(finance, django_capture_on_commit_callbacks)
    assert run.state == SettlementRun.State.FAILED
    assert f"合作伙伴 {other_partner.pk}" in run.error and "分成比例" in run.error


def test_only_finance_starts_approves_and_publishes(world, cdr_dir):
    from vasops.core.testing import make_user

    cs = make_user("cs", roles=["cs_agent"], staff=True)
    with pytest.raises(PermissionDenied):
        actions.start_run(actor=cs, month=NOV)


def test_the_business_day_of_a_charge_at_midnight_is_shanghais(
    world, cdr_dir, finance, django_capture_on_commit_callbacks
):
    """A monthly fee charged 2026-12-01 00:30 Shanghai (2026-11-30 16:30 UTC) is December's: the
    export puts it in December's first file, and November's run does not count it."""
    from vasops.vac import export
    from vasops.vac.models import UsageRecord

    a = world["a"]
    for i, at in enumerate([shanghai(dt.date(2026, 11, 30), 23, 30), shanghai(dt.date(2026, 12, 1), 0, 30)]):
        UsageRecord.objects.create(
            cdr_id=f"M{i}",
            msisdn="13900000000",
            product=a,
            partner=a.partner,
            fee_fen=500,
            kind="monthly",
            at=at,
        )
    day = NOV
    while day <= dt.date(2026, 12, 1):
        export.export_day(day)
        day += dt.timedelta(days=1)
    run = start(finance, django_capture_on_commit_callbacks)
    assert (run.cdr_count, run.gross_fen) == (1, 500)


def test_the_worker_sweep_computes_a_queued_run_and_takes_over_a_dead_one(world, cdr_dir, finance):
    from vasops.core import clock
    from vasops.settlement import running

    write_month(cdr_dir, NOV, nov_cdrs(world))
    run = actions.start_run(actor=finance, month=NOV)  # queued: its launch never ran
    SettlementRun.objects.filter(pk=run.pk).update(claimed_at=clock.now())  # someone holds it
    assert running.sweep() == {"computed": 0}
    SettlementRun.objects.filter(pk=run.pk).update(claimed_at=clock.now() - running.LEASE * 2)  # it died
    assert running.sweep() == {"computed": 1}
    run.refresh_from_db()
    assert run.state == SettlementRun.State.COMPUTED and run.cdr_count == 3
