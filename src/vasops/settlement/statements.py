"""Statement documents 结算单: PDF (WeasyPrint; the Chinese font, Noto Sans CJK from
fonts-noto-cjk, is embedded as a subset) and Excel (openpyxl). Both are rendered from the run's
immutable records, so a download today and one next year are the same statement."""

from __future__ import annotations

import io
from typing import Any

from django.template.loader import render_to_string
from django.utils.translation import gettext

from vasops.core.rules import format_fen
from vasops.settlement import queries
from vasops.settlement.models import Statement

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def context(statement: Statement) -> dict[str, Any]:
    lines = list(queries.statement_lines(statement))
    adjustments = list(queries.statement_adjustments(statement))
    return {
        "statement": statement,
        "run": statement.run,
        "partner": statement.partner,
        "lines": lines,
        "adjustments": adjustments,
        "totals": {
            "cdr_count": sum(line.cdr_count for line in lines),
            "gross_fen": sum(line.gross_fen for line in lines),
            "refund_fen": sum(line.refund_fen for line in lines),
            "bad_debt_fen": sum(line.bad_debt_fen for line in lines),
            "penalty_fen": sum(line.penalty_fen for line in lines),
            "dispute_fen": sum(line.dispute_fen for line in lines),
            "manual_fen": sum(line.manual_fen for line in lines),
            "net_fen": sum(line.net_fen for line in lines),
            "partner_share_fen": sum(line.partner_share_fen for line in lines),
            "carrier_share_fen": sum(line.carrier_share_fen for line in lines),
        },
    }


def filename(statement: Statement, ext: str) -> str:
    return f"{statement.number}.{ext}"


def pdf(statement: Statement) -> bytes:
    import weasyprint

    html = render_to_string("settlement/statement_pdf.html", context(statement))
    return bytes(weasyprint.HTML(string=html).write_pdf())


def xlsx(statement: Statement) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    ctx = context(statement)
    wb = Workbook()
    ws = wb.active
    ws.title = gettext("结算单")
    run = statement.run
    head = [
        (gettext("结算单号"), statement.number),
        (gettext("合作伙伴"), statement.partner.name),
        (gettext("结算月份"), f"{run.month:%Y-%m}"),
        (
            gettext("批次版本"),
            gettext("V%(version)s（%(engine)s）")
            % {"version": run.version, "engine": run.get_engine_display()},
        ),
        (gettext("开户行"), statement.bank_name),
        (gettext("户名"), statement.account_name),
        (gettext("账号"), statement.account_number),
    ]
    for label, value in head:
        ws.append([label, value])
    ws.append([])
    header = [
        gettext("产品"),
        gettext("分成比例"),
        gettext("话单数"),
        gettext("按次（元）"),
        gettext("包月（元）"),
        gettext("应收（元）"),
        gettext("退费（元）"),
        gettext("坏账（元）"),
        gettext("违约扣款（元）"),
        gettext("争议调整（元）"),
        gettext("手工调整（元）"),
        gettext("净额（元）"),
        gettext("合作伙伴分成（元）"),
        gettext("运营商留存（元）"),
    ]
    ws.append(header)
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)

    def yuan(fen: int) -> float:
        return round(fen / 100, 2)

    for line in ctx["lines"]:
        ws.append(
            [
                line.product.name if line.product else gettext("（合作伙伴层级调整）"),
                line.percent,
                line.cdr_count,
                yuan(line.per_use_fen),
                yuan(line.monthly_fen),
                yuan(line.gross_fen),
                yuan(line.refund_fen),
                yuan(line.bad_debt_fen),
                yuan(line.penalty_fen),
                yuan(line.dispute_fen),
                yuan(line.manual_fen),
                yuan(line.net_fen),
                yuan(line.partner_share_fen),
                yuan(line.carrier_share_fen),
            ]
        )
    t = ctx["totals"]
    ws.append(
        [
            gettext("合计"),
            "",
            t["cdr_count"],
            "",
            "",
            yuan(t["gross_fen"]),
            yuan(t["refund_fen"]),
            yuan(t["bad_debt_fen"]),
            yuan(t["penalty_fen"]),
            yuan(t["dispute_fen"]),
            yuan(t["manual_fen"]),
            yuan(t["net_fen"]),
            yuan(t["partner_share_fen"]),
            yuan(t["carrier_share_fen"]),
        ]
    )
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    if ctx["adjustments"]:
        ws2 = wb.create_sheet(gettext("扣减与调整"))
        ws2.append(
            [gettext("类型"), gettext("产品"), gettext("金额（元）"), gettext("原因"), gettext("登记时间")]
        )
        for adj in ctx["adjustments"]:
            ws2.append(
                [
                    adj.get_kind_display(),
                    adj.product.name if adj.product else "",
                    yuan(adj.amount_fen),
                    adj.reason_text,
                    adj.created_at.strftime("%Y-%m-%d %H:%M") if adj.created_at else "",
                ]
            )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def yuan_text(fen: int) -> str:
    return format_fen(fen)
