"""Judging a candidate in shadow: its topics for live cases against what the cases became.

While a candidate waits, dispatch also classifies every new case with it and keeps both
topics. Once cases get a final label (a dispatcher's correction, or the topic they closed
under), the candidate's and the live model's topics can be scored on the same cases.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class ShadowReport:
    """How a candidate did beside the live model on recent cases."""

    cases: int  # classified in shadow
    judged: int  # of those, with a final label
    agreement: float  # share of shadow cases where both models chose the same topic
    candidate_accuracy: float  # on judged cases
    live_accuracy: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def evaluate(rows: Iterable[Mapping[str, Any]], finals: Mapping[str, str]) -> ShadowReport:
    """Rows with case_no, topic (candidate) and live_topic; finals: case_no -> final topic."""
    rows = list(rows)
    judged = [r for r in rows if r["case_no"] in finals]
    agree = sum(r["topic"] == r["live_topic"] for r in rows)

    def share(n: int, of: int) -> float:
        return round(n / of, 4) if of else 0.0

    return ShadowReport(
        cases=len(rows),
        judged=len(judged),
        agreement=share(agree, len(rows)),
        candidate_accuracy=share(
            sum(r["topic"] == finals[r["case_no"]] for r in judged), len(judged)
        ),
        live_accuracy=share(
            sum(r["live_topic"] == finals[r["case_no"]] for r in judged), len(judged)
        ),
    )


def promotion_refusal(report: Mapping[str, Any] | None, *, min_judged: int) -> str | None:
    """Why a candidate may not be promoted yet (Chinese), or None."""
    if report is None:
        return "该版本尚未做影子评估，请先评估（或确认后强制发布）"
    if report["judged"] < min_judged:
        return (
            f"影子评估只有 {report['judged']} 件已有最终结论的工单，少于要求的 {min_judged} 件，"
            "请稍后再评估（或确认后强制发布）"
        )
    if report["candidate_accuracy"] < report["live_accuracy"]:
        return (
            f"新版本在影子评估中的准确率 {report['candidate_accuracy']:.1%} 低于现用版本 "
            f"{report['live_accuracy']:.1%}，不予发布（或确认后强制发布）"
        )
    return None
