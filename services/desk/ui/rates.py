"""The map's 三率 table and 红黑榜: every figure with what it counts, every place explained."""

from __future__ import annotations

from services.desk.board.rates import RATES_NOTE, Place, Standing, UnitRates, policy
from services.desk.ui.context import Ui
from services.desk.ui.html import cells, e, pct, table


def counted(value: float | None, num: int, num_label: str, den: int, den_label: str) -> str:
    """A rate with how it was counted under it: 86.5%「按时签收 37 / 应签收 41」."""
    return (
        f'<span class="rate">{pct(value)}</span>'
        f'<small class="counted">{e(num_label)} {num} / {e(den_label)} {den}</small>'
    )


def place_text(p: Place | None) -> str:
    """第 3 名, 并列第 3 名, or why the unit is not ranked."""
    if p is None:
        return "不排名（无到期工单）"
    return f"{'并列' if p.tied else ''}第 {p.rank} 名"


def _row(r: UnitRates, p: Place | None, ui: Ui) -> str:
    score = (
        f'<span class="rate">{pct(p.score)}</span>'
        if p is not None
        else '<span class="rate">—</span>'
    )
    return cells(
        [
            ("单位", e(ui.unit_name(r.unit_id))),
            ("派单", str(r.assigned)),
            (
                "响应率",
                counted(r.response, r.accepted_on_time, "按时签收", r.accept_due, "应签收"),
            ),
            (
                "解决率",
                counted(r.resolution, r.resolved_on_time, "按时办结", r.resolve_due, "应办结"),
            ),
            ("满意率", counted(r.satisfaction, r.satisfied, "满意", r.answered, "回访接通")),
            ("综合得分", score),
            ("名次", e(place_text(p))),
        ],
        f'data-unit="{e(r.unit_id)}"',
    )


def rates_table(s: Standing, ui: Ui) -> str:
    """Ranked units in place order, then the unranked by cases assigned."""
    rows = [_row(p.rates, p, ui) for p in s.places]
    rows += [_row(r, None, ui) for r in sorted(s.unranked, key=lambda r: (-r.assigned, r.unit_id))]
    return table(
        ["单位", "派单", "响应率", "解决率", "满意率", "综合得分", "名次"],
        rows,
        empty="本月暂无派单",
        cls="rates",
    ) + (
        f'<p class="note">{e(RATES_NOTE)}</p>'
        f'<p class="note" id="score-rule">{e(policy().score_note())}</p>'
    )


def rank_list(title: str, places: list[Place], ui: Ui, cls: str) -> str:
    """One of 红榜 and 黑榜: place, unit and 综合得分."""
    items = "".join(
        f'<li data-unit="{e(p.rates.unit_id)}"><span class="place">{e(place_text(p))}</span> '
        f"{e(ui.unit_name(p.rates.unit_id))} <b>综合得分 {pct(p.score)}</b></li>"
        for p in places
    )
    return f'<div class="rank {cls}"><h3>{title}</h3><ol>{items or "<li>暂无</li>"}</ol></div>'


def ranking_card(s: Standing, ui: Ui) -> str:
    """The 红黑榜 card's content, with the rule it follows."""
    return (
        f"{rank_list('红榜', s.red, ui, 'red-list')}{rank_list('黑榜', s.black, ui, 'black-list')}"
        f'<p class="note">{e(policy().formula())}。按综合得分排名；'
        "同分单位同进同出，不会分列两榜。</p>"
    )
