"""联动办: the lead unit's case and each co-unit's own part of it. Pure: no Temporal here.

A joint case (complex or legacy, with co-units on its dispatch) gives every co-unit a part:
its own accept, progress and report (反馈办理结果), its own deadlines from the policy's
`joint_part` section, its own light, and its own ladder to climb when the part is overdue.
The lead may resolve (办结) only once every part is reported, or after overriding the
parts still open with a reason (强制办结), which stays in the case's history.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from services.common.jurisdiction.directory import Directory
from services.sla.domain.casefile import GREEN, STATE_LABELS, WORKING, Clock, Refused, Rung

PART_WAITING = "dispatched"
PART_ACCEPTED = "accepted"
PART_IN_PROGRESS = "in_progress"
PART_REPORTED = "reported"
PART_WAIVED = "waived"
PART_OPEN = (PART_WAITING, PART_ACCEPTED, PART_IN_PROGRESS)
PART_WORKING = (PART_ACCEPTED, PART_IN_PROGRESS)
PART_STATE_LABELS = {
    PART_WAITING: "待签收",
    PART_ACCEPTED: "已签收",
    PART_IN_PROGRESS: "办理中",
    PART_REPORTED: "已反馈",
    PART_WAIVED: "牵头单位已强制办结",
}


@dataclass
class Part:
    """One co-unit's task on a joint case; `part_id` is the co-unit dispatch named."""

    part_id: str
    ladder: list[Rung]
    rung: int = 0
    state: str = PART_WAITING
    light: str = GREEN
    clock: Clock | None = None
    supervised: bool = False
    report: str = ""
    reported_by: str = ""
    escalations: int = 0

    @property
    def unit(self) -> Rung:
        """The rung holding the part now (the co-unit until the part is escalated)."""
        return self.ladder[self.rung]

    @property
    def at_top(self) -> bool:
        return self.rung + 1 >= len(self.ladder)

    @property
    def phase(self) -> str | None:
        """The deadline the part runs against now: accept, resolve, or none once done."""
        if self.state == PART_WAITING:
            return "accept"
        if self.state in PART_WORKING:
            return "resolve"
        return None


@dataclass
class JointFile:
    """Every part of a joint case, and the lead's override if it resolved without them."""

    parts: list[Part] = field(default_factory=list)
    overridden_by: str = ""
    override_reason: str = ""

    def part(self, part_id: str) -> Part:
        """The part dispatch gave `part_id` (the co-unit), refused when there is none."""
        for p in self.parts:
            if p.part_id == part_id:
                return p
        raise Refused("本工单没有该协办单位的协办任务")

    def open_parts(self) -> list[Part]:
        """Parts neither reported nor waived."""
        return [p for p in self.parts if p.state in PART_OPEN]

    # -- what each command needs ---------------------------------------------------------

    def check_accept(self, part_id: str, actor: str) -> None:
        """A co-unit 签收 its part once, before working on it."""
        p = self.part(part_id)
        _in(p, (PART_WAITING,), "签收协办任务")
        _need(actor, "操作人")

    def check_progress(self, part_id: str, actor: str, note: str) -> None:
        """A progress note on an accepted part."""
        p = self.part(part_id)
        _in(p, PART_WORKING, "反馈协办进展（请先签收）")
        _need(actor, "操作人")
        _need(note, "办理进展")

    def check_report(self, part_id: str, actor: str, note: str) -> None:
        """The co-unit's result of its part (反馈办理结果), once, after accepting."""
        p = self.part(part_id)
        _in(p, PART_WORKING, "反馈协办结果（请先签收）")
        _need(actor, "操作人")
        _need(note, "协办办理结果")

    def check_override(self, actor: str, reason: str, lead_state: str) -> None:
        """The lead, working on the case, overrides the parts still open, with a reason."""
        if lead_state not in WORKING:
            label = STATE_LABELS.get(lead_state, lead_state)
            raise Refused(f"当前状态为「{label}」，不能强制办结（请先签收）")
        if not self.open_parts():
            raise Refused("各协办单位均已反馈，无需强制办结")
        _need(actor, "操作人")
        _need(reason, "强制办结理由")

    def check_lead_resolve(self) -> None:
        """The lead resolves only when no part is open (reported, or overridden)."""
        waiting = self.open_parts()
        if waiting:
            names = "、".join(p.unit.unit_name for p in waiting)
            raise Refused(f"协办单位{names}尚未反馈办理结果，不能办结；可填写理由强制办结")

    def waive_open(self, actor: str, reason: str) -> list[Part]:
        """Mark the open parts waived by the lead's override; returns them."""
        waived = self.open_parts()
        for p in waived:
            p.state = PART_WAIVED
        self.overridden_by, self.override_reason = actor, reason
        return waived


def joint_file(co_units: Iterable[tuple[str, list[Rung]]]) -> JointFile:
    """The parts of a new joint case, one per co-unit with the ladder it climbs."""
    return JointFile(parts=[Part(part_id=uid, ladder=list(ladder)) for uid, ladder in co_units])


def _in(p: Part, states: tuple[str, ...], doing: str) -> None:
    if p.state not in states:
        label = PART_STATE_LABELS.get(p.state, p.state)
        raise Refused(f"该协办任务当前为「{label}」，不能{doing}")


def _need(value: str, what: str) -> None:
    if not value.strip():
        raise Refused(f"请填写{what}")


def part_ladder(directory: Directory, unit_id: str) -> list[Rung]:
    """The ladder a co-unit's overdue part climbs: the co-unit, its township for a village
    unit, then 督办 at its district's 12345 centre (which holds a centre's own part)."""
    unit = directory.unit(unit_id)
    areas: dict[str, str] = {}
    area_id: str | None = unit.area_id
    while area_id:
        area = directory.area(area_id)
        areas[area.tier.value] = area.id
        area_id = area.parent_id
    centre = directory.dispatch_centre(areas.get("district", directory.default_district.id))
    if unit.id == centre.id:
        return [Rung("supervision", centre.id, centre.name)]
    ladder = [Rung(unit.tier.value, unit.id, unit.name)]
    if unit.tier.value == "village" and "township" in areas:
        township = directory.handling_unit(areas["township"])
        ladder.append(Rung("township", township.id, township.name))
    ladder.append(Rung("supervision", centre.id, centre.name))
    return ladder
