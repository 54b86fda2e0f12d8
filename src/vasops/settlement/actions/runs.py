"""Settlement runs 结算批次: start (the computation runs in the background), the record of a
finished computation (lines, statements, totals, diff — one transaction, so a crash leaves no
half-written lines), approval by a second finance user, publication to the partners."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext

from vasops.core import audit, clock, notify
from vasops.core.errors import DomainError
from vasops.core.fsm import transition
from vasops.core.marks import gettext_noop
from vasops.core.permissions import require
from vasops.settlement import engine, inputs, rules
from vasops.settlement.errors import SettlementError
from vasops.settlement.events import SettlementEvent
from vasops.settlement.models import SettlementLine, SettlementRun, Statement

RUN = "settlement.run_settlement"
APPROVE = "settlement.approve_settlementrun"
PUBLISH = "settlement.publish_settlementrun"
RUN_FIELDS = ["month", "version", "engine", "state", "partner_share_fen", "net_fen", "line_count"]
LINE_BATCH = 5000


def default_engine() -> str:
    return str(getattr(settings, "VASOPS_SETTLEMENT_ENGINE", "duckdb") or "duckdb")


def _launch(run_id: int) -> None:
    from vasops.settlement import running

    transaction.on_commit(lambda: running.launch(run_id))


@transaction.atomic(durable=True)
def start_run(*, actor: Any, month: dt.date, engine_name: str | None = None, note: str = "") -> SettlementRun:
    """Start computing ``month`` (a new version). Refused while another computation of the month
    runs, for a month not over or already published, and when a day's CDR export is missing."""
    require(actor, RUN)
    month = rules.month_start(month)
    engine_name = engine_name or default_engine()
    if engine_name not in SettlementRun.Engine.values:
        raise DomainError(
            SettlementError.UNKNOWN_ENGINE,
            gettext("未知的计算引擎：%(engine_name)s。") % {"engine_name": engine_name},
            field="engine",
        )
    problem = rules.month_not_over_problem(month, clock.today())
    if problem:
        raise DomainError(SettlementError.MONTH_NOT_OVER, problem, field="month")
    if month in inputs.published_months():
        raise DomainError(
            SettlementError.MONTH_CLOSED,
            gettext("%(month)s 的结算已发布，不能重新计算；之后的调整计入下一个未结算月份。")
            % {"month": format(month, "%Y-%m")},
            field="month",
        )
    runs = SettlementRun.objects.select_for_update().filter(month=month)
    if runs.filter(state=SettlementRun.State.DRAFT).exists():
        raise DomainError(
            SettlementError.RUN_IN_PROGRESS,
            gettext("%(month)s 已有一次结算正在计算，请等待其完成。") % {"month": format(month, "%Y-%m")},
            field="month",
        )
    inputs.month_files(month)  # refuses naming the missing days before anything is queued
    from vasops.settlement.actions.ratios import _sync_contracts

    _sync_contracts("system")
    version = (runs.aggregate(v=Max("version"))["v"] or 0) + 1
    run = SettlementRun.objects.create(
        month=month, version=version, engine=engine_name, started_by=actor, note=(note or "").strip()
    )
    audit.record(
        actor=actor, action=SettlementEvent.RUN_STARTED, obj=run, after=audit.snapshot(run, RUN_FIELDS)
    )
    _launch(run.pk)
    return run


@transaction.atomic(durable=True)
def restart_run(*, actor: Any, run: SettlementRun) -> SettlementRun:
    """Compute a failed run again (same version, same month)."""
    require(actor, RUN)
    run = SettlementRun.objects.select_for_update().get(pk=run.pk)
    if SettlementRun.objects.filter(month=run.month, state=SettlementRun.State.DRAFT).exists():
        raise DomainError(
            SettlementError.RUN_IN_PROGRESS,
            gettext("%(month)s 已有一次结算正在计算。") % {"month": format(run.month, "%Y-%m")},
        )
    if SettlementRun.objects.filter(month=run.month, version__gt=run.version).exists():
        raise DomainError(SettlementError.NOT_LATEST_VERSION, gettext("已有更新的版本，请发起新的计算。"))
    before = audit.snapshot(run, RUN_FIELDS)
    transition(run, "restart", label=gettext("重新计算"))
    run.error = ""
    run.progress = 0
    run.progress_note = ""
    run.claimed_at = None
    run.save()
    audit.record(
        actor=actor,
        action=SettlementEvent.RUN_RESTARTED,
        obj=run,
        before=before,
        after=audit.snapshot(run, RUN_FIELDS),
    )
    _launch(run.pk)
    return run


def _write_lines(run: SettlementRun, rows: list[dict[str, Any]]) -> None:
    """All lines of the run: PostgreSQL's COPY (tens of thousands of lines a second), else
    bulk inserts. Inside the caller's transaction either way."""
    from django.db import connection

    columns = ["run_id", "partner_id", "product_id", *engine.LINE_COLUMNS[2:]]
    values = (
        (run.pk, r["partner_id"], r["product_id"] or None, *(r[c] for c in engine.LINE_COLUMNS[2:]))
        for r in rows
    )
    if connection.vendor == "postgresql":
        table = SettlementLine._meta.db_table
        names = ", ".join(columns)
        with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in values:
                copy.write_row(row)
        return
    SettlementLine.objects.bulk_create(
        [SettlementLine(**dict(zip(columns, row, strict=True))) for row in values], batch_size=LINE_BATCH
    )


def _bank_accounts(partner_ids: list[int], month: dt.date) -> dict[int, Any]:
    """The bank account in force for ``month`` per partner: the latest one effective on or
    before the month's last day (changes take effect from the next settlement period)."""
    from vasops.partners.models import BankAccount

    found: dict[int, Any] = {}
    qs = BankAccount.objects.filter(partner_id__in=partner_ids, effective_from__lte=rules.month_end(month))
    for account in qs.order_by("partner_id", "-effective_from", "-pk"):
        found.setdefault(account.partner_id, account)
    return found


def _previous(run: SettlementRun) -> SettlementRun | None:
    return (
        SettlementRun.objects.filter(month=run.month, version__lt=run.version)
        .exclude(state__in=[SettlementRun.State.DRAFT, SettlementRun.State.FAILED])
        .order_by("-version")
        .first()
    )


def _per_partner(run: SettlementRun) -> dict[int, tuple[int, int]]:
    return {
        pid: (net, share)
        for pid, net, share in Statement.objects.filter(run=run).values_list(
            "partner_id", "net_fen", "partner_share_fen"
        )
    }


@transaction.atomic(durable=True)
def record_computation(
    *, run_id: int, table: Any, manifest: dict[str, Any], durations_ms: dict[str, int]
) -> SettlementRun:
    """The worker's record of a finished computation: every line, the statements (sums of their
    lines, with the bank account in force), totals and the per-partner diff with the previous
    version — all in this one transaction. Older computed/approved versions are superseded."""
    run = SettlementRun.objects.select_for_update().get(pk=run_id)
    rows = table.to_pylist()
    missing = [r for r in rows if r["ratio_version_id"] is None]
    if missing:
        names = gettext("、").join(
            gettext("合作伙伴 %(partner)s 产品 %(product)s")
            % {"partner": r["partner_id"], "product": r["product_id"]}
            if r["product_id"]
            else gettext("合作伙伴 %(partner)s") % {"partner": r["partner_id"]}
            for r in missing[:20]
        )
        raise DomainError(
            SettlementError.RATIO_MISSING,
            gettext(
                "以下结算明细没有在用的分成比例（合同、业务线或产品层级）："
                "%(names)s%(more)s。请先登记分成比例再结算。"
            )
            % {"names": names, "more": gettext("等") if len(missing) > 20 else ""},
        )
    _write_lines(run, rows)
    sums: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for r in rows:
        s = sums[r["partner_id"]]
        s["line_count"] += 1
        for col in ("cdr_count", "gross_fen", "net_fen", "partner_share_fen", "carrier_share_fen"):
            s[col] += r[col]
        s["deductions_fen"] += r["net_fen"] - r["gross_fen"]
    accounts = _bank_accounts(list(sums), run.month)
    statements = []
    for partner_id, s in sorted(sums.items()):
        account = accounts.get(partner_id)
        statements.append(
            Statement(
                run=run,
                partner_id=partner_id,
                number=f"JS{run.month:%Y%m}-V{run.version}-{partner_id:06d}",
                bank_name=account.bank_name if account else "",
                account_name=account.account_name if account else "",
                account_number=account.account_number if account else "",
                bank_effective_from=account.effective_from if account else None,
                **s,
            )
        )
    Statement.objects.bulk_create(statements, batch_size=LINE_BATCH)
    before = audit.snapshot(run, RUN_FIELDS)
    run.manifest = manifest
    run.line_count = len(rows)
    run.partner_count = len(sums)
    for col in ("cdr_count", "gross_fen", "net_fen", "partner_share_fen", "carrier_share_fen"):
        setattr(run, col, sum(r[col] for r in rows))
    run.deductions_fen = run.net_fen - run.gross_fen
    previous = _previous(run)
    current = {pid: (s["net_fen"], s["partner_share_fen"]) for pid, s in sums.items()}
    run.diff = (
        {
            "previous_version": previous.version,
            "partners": rules.partner_diff(_per_partner(previous), current),
        }
        if previous
        else {}
    )
    run.durations_ms = durations_ms
    run.progress = 100
    run.progress_note = "完成"
    run.computed_at = clock.now()
    run.error = ""
    transition(run, "mark_computed", label=gettext("完成计算"))
    run.save()
    audit.record(
        actor="system",
        action=SettlementEvent.RUN_COMPUTED,
        obj=run,
        before=before,
        after=audit.snapshot(run, RUN_FIELDS),
    )
    for older in SettlementRun.objects.select_for_update().filter(
        month=run.month,
        version__lt=run.version,
        state__in=[SettlementRun.State.COMPUTED, SettlementRun.State.APPROVED, SettlementRun.State.FAILED],
    ):
        old_before = audit.snapshot(older, RUN_FIELDS)
        transition(older, "supersede", label=gettext("被新版本取代"))
        older.save()
        audit.record(
            actor="system",
            action=SettlementEvent.RUN_SUPERSEDED,
            obj=older,
            before=old_before,
            after=audit.snapshot(older, RUN_FIELDS),
            reason=notify.text(gettext_noop("版本 %(version)s 已计算完成"), version=run.version),
        )
    notify.send(
        [run.started_by],
        subject=notify.text(
            gettext_noop("%(month)s 结算（版本 %(version)s）已计算完成，待另一名结算人员审核"),
            month=format(run.month, "%Y-%m"),
            version=run.version,
        ),
        url=run.get_absolute_url(),
    )
    return run


@transaction.atomic(durable=True)
def record_failure(*, run_id: int, message: notify.Message) -> SettlementRun:
    """The worker's record of a failed computation: the run keeps no line (they are written in
    one transaction with the completion) and can be restarted."""
    run = SettlementRun.objects.select_for_update().get(pk=run_id)
    if run.state != SettlementRun.State.DRAFT:
        return run
    before = audit.snapshot(run, RUN_FIELDS)
    transition(run, "mark_failed", label=gettext("计算失败"))
    run.error = notify.plain(message)[:4000]
    short = message[:1000] if isinstance(message, str) else message
    run.progress_note = "失败"
    run.claimed_at = None
    run.save()
    audit.record(
        actor="system",
        action=SettlementEvent.RUN_FAILED,
        obj=run,
        before=before,
        after=audit.snapshot(run, RUN_FIELDS),
        reason=short,
    )
    notify.send(
        [run.started_by],
        subject=notify.text(
            gettext_noop("%(month)s 结算（版本 %(version)s）计算失败"),
            month=format(run.month, "%Y-%m"),
            version=run.version,
        ),
        body=short,
        url=run.get_absolute_url(),
    )
    return run


def _stale_problem(run: SettlementRun) -> str | None:
    """Inputs changed since the computation (a new adjustment, ratio version or bad-debt rate)."""
    current, _rows = inputs.reference_manifest(run.month)
    recorded = {key: run.manifest.get(key) for key in current}
    if recorded != current:
        return gettext("计算之后该月的调整、分成比例或坏账率有变化，请重新计算（生成新版本）后再审核或发布。")
    return None


@transaction.atomic(durable=True)
def approve_run(*, actor: Any, run: SettlementRun, comment: str = "") -> SettlementRun:
    """Four-eyes: a finance user other than the one who started the computation approves it."""
    require(actor, APPROVE)
    run = SettlementRun.objects.select_for_update().get(pk=run.pk)
    problem = rules.four_eyes_problem(run.started_by_id, actor.pk)
    if problem:
        raise DomainError(SettlementError.FOUR_EYES, problem, status=409)
    if run.state == SettlementRun.State.COMPUTED:
        problem = _stale_problem(run)
        if problem:
            raise DomainError(SettlementError.STALE_INPUTS, problem, status=409)
    before = audit.snapshot(run, RUN_FIELDS)
    transition(run, "approve", label=gettext("审核"))
    run.approved_by = actor
    run.approved_at = clock.now()
    run.save()
    audit.record(
        actor=actor,
        action=SettlementEvent.RUN_APPROVED,
        obj=run,
        before=before,
        after=audit.snapshot(run, RUN_FIELDS),
        reason=(comment or "").strip(),
    )
    notify.send(
        [run.started_by],
        subject=notify.text(
            gettext_noop("%(month)s 结算（版本 %(version)s）已审核，可以发布"),
            month=format(run.month, "%Y-%m"),
            version=run.version,
        ),
        url=run.get_absolute_url(),
    )
    return run


@transaction.atomic(durable=True)
def publish_run(*, actor: Any, run: SettlementRun) -> SettlementRun:
    """Publish an approved run: its statements become visible to their partners, who are
    notified; the month is closed (later adjustments go to the next open month)."""
    from vasops.partners import queries as partner_queries
    from vasops.partners.models import Partner

    require(actor, PUBLISH)
    run = SettlementRun.objects.select_for_update().get(pk=run.pk)
    if run.state == SettlementRun.State.APPROVED:
        problem = _stale_problem(run)
        if problem:
            raise DomainError(SettlementError.STALE_INPUTS, problem, status=409)
    before = audit.snapshot(run, RUN_FIELDS)
    transition(run, "publish", label=gettext("发布"))
    run.published_by = actor
    run.published_at = clock.now()
    run.save()
    audit.record(
        actor=actor,
        action=SettlementEvent.RUN_PUBLISHED,
        obj=run,
        before=before,
        after=audit.snapshot(run, RUN_FIELDS),
    )
    statements = Statement.objects.filter(run=run)
    partners = Partner.objects.in_bulk([s.partner_id for s in statements])
    for statement in statements:
        partner = partners.get(statement.partner_id)
        if partner is None:
            continue
        notify.send(
            partner_queries.partner_users(partner),
            subject=notify.text(
                gettext_noop("%(month)s 结算单已发布：分成 %(partner_share_fen)s 元"),
                month=format(run.month, "%Y-%m"),
                partner_share_fen=format(statement.partner_share_fen / 100, ".2f"),
            ),
            body=notify.text(
                gettext_noop("结算单号 %(statement_number)s，可在门户下载 PDF 和 Excel。"),
                statement_number=statement.number,
            ),
            url=statement.get_absolute_url(),
        )
    return run
