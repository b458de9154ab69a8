"""A report as a spreadsheet (.xlsx, openpyxl) or as CSV: the same tables either way."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from openpyxl import Workbook
from openpyxl.styles import Font

from services.desk.reports.figures import Counts, Report

COUNT_HEADERS = [
    "派单",
    "应签收",
    "按时签收",
    "应办结",
    "按时办结",
    "办结",
    "销号",
    "回访接通",
    "满意",
    "超时",
    "升级",
    "退单",
    "重办",
    "响应率",
    "解决率",
    "满意率",
    "销号率",
]
Names = Callable[[str], str]


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}%"


def count_row(name: str, n: Counts) -> list[object]:
    """One line of a counts table."""
    return [
        name,
        n.assigned,
        n.accept_due,
        n.accepted_on_time,
        n.resolve_due,
        n.resolved_on_time,
        n.resolved,
        n.closed,
        n.answered,
        n.satisfied,
        n.overdue,
        n.escalated,
        n.bounced,
        n.reopened,
        _pct(n.response),
        _pct(n.resolution),
        _pct(n.satisfaction),
        _pct(n.close_out),
    ]


def tables(report: Report, names: Names) -> dict[str, list[list[object]]]:
    """Every table of a report by sheet name, header row first."""

    def counts(title: str, rows: dict[str, Counts]) -> list[list[object]]:
        ordered = sorted(rows.items(), key=lambda kv: (-kv[1].assigned, names(kv[0])))
        head: list[list[object]] = [[title, *COUNT_HEADERS]]
        return head + [count_row(names(k), v) for k, v in ordered]

    ranking: list[list[object]] = [["榜单", "名次", "单位", "综合得分"]]
    for label, rows in (("红榜", report.red), ("黑榜", report.black)):
        ranking += [
            [
                label,
                f"{r.rank}（并列）" if r.tied else r.rank,
                names(r.rates.unit_id),
                _pct(r.score),
            ]
            for r in rows
        ]
    topics: list[list[object]] = [["主题", "乡镇/街道", "件数"]]
    topics += [
        [topic, names(area) if area else "未定位", n]
        for (topic, area), n in sorted(report.by_topic_area.items(), key=lambda kv: -kv[1])
    ]
    timing: list[list[object]] = [
        ["办结件数", "平均办理时长（小时）", "90%办结时长（小时）"],
        [
            report.handling.resolved,
            "" if report.handling.mean_hours is None else round(report.handling.mean_hours, 1),
            "" if report.handling.p90_hours is None else round(report.handling.p90_hours, 1),
        ],
    ]
    return {
        "单位三率": counts("单位", report.units),
        "乡镇街道": counts("乡镇/街道", report.townships),
        "区": counts("区", report.districts),
        "红黑榜": ranking,
        "主题与区域": topics,
        "办理时长": timing,
    }


def to_xlsx(report: Report, names: Names) -> bytes:
    """The report as a workbook, one sheet per table, the period in the first row."""
    book = Workbook()
    book.remove(book.active)
    for title, rows in tables(report, names).items():
        sheet = book.create_sheet(title)
        sheet.append([f"统计周期：{report.period.label}"])
        sheet["A1"].font = Font(bold=True)
        for row in rows:
            sheet.append(row)
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        sheet.column_dimensions["A"].width = 22
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def to_csv(report: Report, names: Names, table: str = "单位三率") -> str:
    """One table of the report as CSV (UTF-8 with BOM, so spreadsheet programs read Chinese)."""
    rows = tables(report, names).get(table)
    if rows is None:
        raise KeyError(table)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([f"统计周期：{report.period.label}"])
    writer.writerows(rows)
    return out.getvalue()
