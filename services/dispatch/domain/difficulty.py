"""Difficulty as expected handling time: policy signals add up to points, points give the class.

Each signal says something a handler would: a question about a rule is answered from the
knowledge base (快); a long account, several matters, several departments or parties who
pass the case around need coordination (慢); a matter that has dragged on for years is
历史遗留. The signals and their points live in policy/topics.yaml (`difficulty:`);
bench/dispatch_difficulty.py shows how well the classes rank real days-to-reply.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from services.dispatch.domain.model import CaseText, Difficulty


class DifficultyPolicyError(ValueError):
    """The difficulty section of the lexicon file is malformed."""


@dataclass(frozen=True, slots=True)
class Signal:
    """One reason a case takes more (points > 0) or less (points < 0) time, as shown."""

    name: str
    points: int
    evidence: str


@dataclass(frozen=True, slots=True)
class DifficultyPolicy:
    """Cues, points and cut-offs that turn a case's signals into a difficulty."""

    consultation: re.Pattern[str]
    matter_mark: re.Pattern[str]
    department: re.Pattern[str]
    short_chars: int = 150
    long_chars: int = 300
    very_long_chars: int = 800
    consultation_title_points: int = -2
    consultation_text_points: int = -1
    short_points: int = -1
    single_point_points: int = -1
    long_points: int = 1
    very_long_points: int = 2
    matters_at_least: int = 2
    matters_points: int = 1
    departments_at_least: int = 2
    departments_points: int = 1
    joint_points: int = 1
    history_points: int = 2
    simple_at_most: int = -2
    complex_at_least: int = 2

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DifficultyPolicy:
        """Build from the `difficulty:` mapping of the lexicon file, checking every value."""
        try:
            patterns = {
                key: re.compile(str(data[key]))
                for key in ("consultation", "matter_mark", "department")
            }
        except KeyError as exc:
            raise DifficultyPolicyError(f"difficulty: missing pattern {exc}") from exc
        except re.error as exc:
            raise DifficultyPolicyError(f"difficulty: bad pattern: {exc}") from exc
        numbers: dict[str, int] = {}
        for key, value in data.items():
            if key in patterns:
                continue
            if key not in cls.__dataclass_fields__ or not isinstance(value, int):
                raise DifficultyPolicyError(f"difficulty.{key}: unknown setting or not an integer")
            numbers[key] = value
        policy = cls(**patterns, **numbers)  # type: ignore[arg-type]
        if policy.simple_at_most >= policy.complex_at_least:
            raise DifficultyPolicyError("difficulty: simple_at_most must be below complex_at_least")
        if not policy.short_chars < policy.long_chars < policy.very_long_chars:
            raise DifficultyPolicyError(
                "difficulty: want short_chars < long_chars < very_long_chars"
            )
        return policy

    def signals(
        self,
        case: CaseText,
        *,
        history: Sequence[str],
        joint: Sequence[str],
        single_point: Sequence[str] = (),
    ) -> list[Signal]:
        """The signals in a case; history, joint, single_point: legacy/complex/simple cue hits."""
        title, content = case.title or "", case.content or ""
        found: list[Signal] = []
        if m := self.consultation.search(title):
            found.append(Signal("consultation", self.consultation_title_points, m.group(0)))
        elif m := self.consultation.search(content):
            found.append(Signal("consultation", self.consultation_text_points, m.group(0)))
        length = len(content)
        if length <= self.short_chars:
            found.append(Signal("short", self.short_points, f"{length} 字"))
            if single_point:  # one broken thing, told in a few words: 立即办
                found.append(Signal("single_point", self.single_point_points, single_point[0]))
        elif length > self.very_long_chars:
            found.append(Signal("long", self.very_long_points, f"{length} 字"))
        elif length > self.long_chars:
            found.append(Signal("long", self.long_points, f"{length} 字"))
        matters = len(self.matter_mark.findall(content))
        if matters >= self.matters_at_least:
            found.append(Signal("matters", self.matters_points, f"{matters} 项"))
        departments = list(dict.fromkeys(m.group(0) for m in self.department.finditer(content)))
        if len(departments) >= self.departments_at_least:
            shown = "、".join(departments[:3]) + (" 等" if len(departments) > 3 else "")
            found.append(Signal("departments", self.departments_points, shown))
        if joint:
            found.append(Signal("joint", self.joint_points, "、".join(joint[:3])))
        if history:
            found.append(Signal("history", self.history_points, "、".join(history[:3])))
        return found

    def decide(self, signals: list[Signal]) -> tuple[Difficulty, int]:
        """The class and the points behind it.

        历史遗留 keeps its policy meaning (a matter that has dragged on) but only when the
        rest of the case is not a quick question; otherwise points decide.
        """
        points = sum(s.points for s in signals)
        if any(s.name == "history" for s in signals) and points >= self.complex_at_least:
            return Difficulty.LEGACY, points
        if points >= self.complex_at_least:
            return Difficulty.COMPLEX, points
        if points <= self.simple_at_most:
            return Difficulty.SIMPLE, points
        return Difficulty.GENERAL, points


_SIGNAL_LABELS = {
    "consultation": "询问政策或办事方法",
    "short": "描述简短",
    "single_point": "单一事项",
    "long": "描述较长",
    "matters": "涉及多个事项",
    "departments": "涉及多个部门",
    "joint": "需多方协调",
    "history": "长期未解决",
}


def explain_signals(signals: list[Signal]) -> str:
    """Signals as a dispatcher reads them: 询问政策或办事方法（请问）−2、描述较长（420 字）+1."""
    if not signals:
        return "无特定难度线索"
    return "、".join(f"{_SIGNAL_LABELS[s.name]}（{s.evidence}）{s.points:+d}" for s in signals)
