"""Request types (诉求类型) and the path each takes. Pure.

咨询 consultation, 求助 request for help, 投诉 complaint, 举报 report, 建议 suggestion,
表扬 praise. The operator chooses the type; `suggest` proposes one from the caller's words
and says why. The type decides the path:

- a consultation answered on the call (直接答复, 即时办结) is closed at intake with the
  answer: it is never dispatched;
- a praise is forwarded to the unit it names (a notice) and closed: no deadlines run;
- every other case, and a consultation that cannot be answered on the call, is dispatched.

Events older than the type carry none: they read as unknown and take the complaint path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class RequestType(StrEnum):
    """What the caller wants."""

    CONSULTATION = "consultation"
    HELP = "help"
    COMPLAINT = "complaint"
    REPORT = "report"
    SUGGESTION = "suggestion"
    PRAISE = "praise"


REQUEST_TYPES = tuple(t.value for t in RequestType)
LABELS = {
    RequestType.CONSULTATION: "咨询",
    RequestType.HELP: "求助",
    RequestType.COMPLAINT: "投诉",
    RequestType.REPORT: "举报",
    RequestType.SUGGESTION: "建议",
    RequestType.PRAISE: "表扬",
}
UNKNOWN_LABEL = "未分类"


class Path(StrEnum):
    """Where a case goes after intake."""

    ANSWER = "answer"  # closed at intake with the answer given on the call
    DISPATCH = "dispatch"  # classified and routed; deadlines run
    FORWARD = "forward"  # praise: routed, the unit told, closed without deadlines


def parse(value: str | None) -> RequestType | None:
    """The type named by a stored or transmitted value; None for empty or unknown values."""
    try:
        return RequestType(value) if value else None
    except ValueError:
        return None


def label(value: str | None) -> str:
    """The Chinese name of a type; 未分类 for events older than types."""
    kind = parse(value)
    return LABELS[kind] if kind else UNKNOWN_LABEL


def path_of(value: str | None, *, answered: bool = False) -> Path:
    """The path a case of this type takes; `answered`: an answer was given on the call."""
    kind = parse(value)
    if kind is RequestType.CONSULTATION and answered:
        return Path.ANSWER
    if kind is RequestType.PRAISE:
        return Path.FORWARD
    return Path.DISPATCH


# Cue words of each type, strongest first within a type. A cue inside a longer cue of
# another type does not count twice (the longest match wins).
_CUES: dict[RequestType, tuple[str, ...]] = {
    RequestType.PRAISE: (
        "表扬",
        "感谢",
        "致谢",
        "点赞",
        "锦旗",
        "谢谢",
        "服务很好",
        "态度很好",
        "很负责",
        "非常满意",
        "热心",
    ),
    RequestType.REPORT: (
        "举报",
        "检举",
        "揭发",
        "违建",
        "违法建设",
        "非法",
        "偷排",
        "私自",
        "无证经营",
        "传销",
        "赌博",
        "贪污",
        "受贿",
    ),
    RequestType.COMPLAINT: (
        "投诉",
        "反映",
        "扰民",
        "噪音",
        "不作为",
        "态度恶劣",
        "拖欠",
        "欠薪",
        "一直没",
        "多次",
        "坏了",
        "损坏",
        "堵塞",
        "漏水",
        "乱收费",
        "不合理",
    ),
    RequestType.HELP: (
        "求助",
        "帮忙",
        "帮助",
        "救助",
        "困难",
        "被困",
        "走失",
        "无人照顾",
        "急需",
        "求救",
        "没有饭吃",
    ),
    RequestType.SUGGESTION: (
        "建议",
        "希望增设",
        "希望增加",
        "能否增加",
        "可否",
        "提议",
        "意见",
        "呼吁",
        "增设",
    ),
    RequestType.CONSULTATION: (
        "咨询",
        "请问",
        "问一下",
        "如何办理",
        "怎么办理",
        "怎样办理",
        "需要什么材料",
        "需要哪些",
        "什么条件",
        "在哪里办",
        "在哪办",
        "多久",
        "能不能",
        "是否可以",
        "怎么",
        "如何",
        "流程",
        "政策",
        "标准是",
        "吗？",
        "吗?",
    ),
}
# Weight of the first cues of each list (the type's own name) over the rest.
_NAME_WEIGHT = 3.0
_WEIGHT = 1.0
# Ties between equal scores go to the type that keeps the case in the unit's hands.
_TIE_ORDER = (
    RequestType.REPORT,
    RequestType.COMPLAINT,
    RequestType.HELP,
    RequestType.SUGGESTION,
    RequestType.PRAISE,
    RequestType.CONSULTATION,
)


@dataclass(frozen=True)
class Suggestion:
    """A suggested type, how sure the cues make it (0..1), and why, in Chinese."""

    type: RequestType
    confidence: float
    reasons: tuple[str, ...]

    @property
    def explanation(self) -> str:
        """One line for the operator and dispatch's explanation."""
        return f"诉求类型建议为「{LABELS[self.type]}」：" + "；".join(self.reasons)


def _found(text: str) -> list[tuple[RequestType, str, int]]:
    """(type, cue, position) for every cue in the text, longest match at each position."""
    cues = sorted(
        ((kind, cue) for kind, words in _CUES.items() for cue in words),
        key=lambda kc: -len(kc[1]),
    )
    taken = [False] * len(text)
    out = []
    for kind, cue in cues:
        for m in re.finditer(re.escape(cue), text):
            span = range(m.start(), m.end())
            if any(taken[i] for i in span):
                continue
            for i in span:
                taken[i] = True
            out.append((kind, cue, m.start()))
    return sorted(out, key=lambda x: x[2])


def suggest(text: str) -> Suggestion:
    """The type the caller's words suggest; a complaint (投诉) when no cue is found."""
    found = _found(text or "")
    scores: dict[RequestType, float] = dict.fromkeys(RequestType, 0.0)
    words: dict[RequestType, list[str]] = {kind: [] for kind in RequestType}
    for kind, cue, _ in found:
        scores[kind] += _NAME_WEIGHT if cue == _CUES[kind][0] else _WEIGHT
        if cue not in words[kind]:
            words[kind].append(cue)
    best = max(_TIE_ORDER, key=lambda k: (scores[k], -_TIE_ORDER.index(k)))
    total = sum(scores.values())
    if total == 0:
        return Suggestion(RequestType.COMPLAINT, 0.0, ("未见类型提示词，按投诉处理",))
    cues = "、".join(f"“{w}”" for w in words[best][:4])
    reasons = [f"内容含{cues}"]
    runner = sorted((k for k in RequestType if k is not best), key=lambda k: -scores[k])[0]
    if scores[runner] > 0:
        reasons.append(f"也有{LABELS[runner]}的提示（“{words[runner][0]}”）")
    return Suggestion(best, round(scores[best] / total, 2), tuple(reasons))
