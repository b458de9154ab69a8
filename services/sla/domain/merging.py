"""合并 and 不予受理: which cases may be merged into which, and which may be rejected. Pure.

A follower case stops its own deadlines and follows its lead until the lead closes (any
close path); then it closes too, with the lead's resolution. Chains are refused rather than
resolved: a lead must not itself follow another case, and a case with followers cannot
become a follower, so no cycle can form and a lead's close reaches every follower at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from services.sla.domain.casefile import CLOSED, MERGED, CaseFile, Refused

MERGE_REASON = "merged"
REJECT_REASON = "rejected"


class MergeRefused(Refused):
    """A merge the two cases do not allow; `code` names the rule for programs."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Standing:
    """A case as the merge rule reads it: its state, its lead, its followers."""

    case_no: str
    state: str
    lead: str = ""
    followers: tuple[str, ...] = field(default_factory=tuple)

    @classmethod
    def of(cls, f: CaseFile) -> Standing:
        """A case file's standing."""
        return cls(f.case_no, f.state, f.lead, tuple(f.followers))


def follower_refusal(follower: Standing, lead_no: str) -> MergeRefused | None:
    """Why this case may not be merged into `lead_no`, as far as the follower decides."""
    if not lead_no.strip():
        return MergeRefused("请填写主办工单编号", "lead_missing")
    if lead_no == follower.case_no:
        return MergeRefused("不能将工单并入其自身", "merge_self")
    if follower.state == CLOSED:
        return MergeRefused(f"工单 {follower.case_no} 已销号，不能再合并", "case_closed")
    if follower.state == MERGED or follower.lead:
        return MergeRefused(f"工单 {follower.case_no} 已并入工单 {follower.lead}", "already_merged")
    if follower.followers:
        return MergeRefused(
            f"工单 {follower.case_no} 已有并入的工单（{'、'.join(follower.followers)}），"
            "不能再并入其他工单",
            "has_followers",
        )
    return None


def lead_refusal(lead: Standing, follower_no: str) -> MergeRefused | None:
    """Why `follower_no` may not follow this lead, as far as the lead decides."""
    if follower_no == lead.case_no:
        return MergeRefused("不能将工单并入其自身", "merge_self")
    if lead.state == CLOSED:
        return MergeRefused(f"主办工单 {lead.case_no} 已销号，不能并入", "lead_closed")
    if lead.state == MERGED or lead.lead:
        return MergeRefused(
            f"工单 {lead.case_no} 本身已并入工单 {lead.lead}，请并入主办工单 {lead.lead}",
            "lead_merged",
        )
    if follower_no in lead.followers:
        return MergeRefused(f"工单 {follower_no} 已并入工单 {lead.case_no}", "already_merged")
    return None


def merge_refusal(follower: Standing, lead: Standing) -> MergeRefused | None:
    """Why `follower` may not be merged into `lead` (both as their workflows hold them)."""
    return follower_refusal(follower, lead.case_no) or lead_refusal(lead, follower.case_no)


def check_reject(f: CaseFile, actor: str) -> None:
    """不予受理 of an open case; a lead with followers is closed, not rejected."""
    if f.state == CLOSED:
        raise Refused("工单已办结销号")
    if f.state == MERGED:
        raise Refused(f"工单已并入工单 {f.lead}，随主办工单办理，不能单独不予受理")
    if f.followers:
        raise Refused(
            f"已有工单（{'、'.join(f.followers)}）并入本工单，不能不予受理；请先销号或办结"
        )
    if not actor.strip():
        raise Refused("请填写操作人")


def follower_result(lead_no: str, resolution: str, note: str) -> str:
    """What a follower closes with: the lead's resolution (办结情况), or its close note."""
    said = resolution or note or "已办结"
    return f"随主办工单 {lead_no} 办结：{said}"
