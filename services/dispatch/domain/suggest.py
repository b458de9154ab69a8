"""Which handling unit a manual-queue case should go to, or why none can be named. Pure.

Routing hands a case it cannot place to the district's 12345 centre (人工派单). The centre
takes no cases itself, so the dispatcher is offered a unit that can: the unit routing
chose when only its confidence was too low; else the place the case names (its village or
township); else the district department that leads the case's topic; else none, and why.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.common.jurisdiction import DISPATCH_CENTRE, Directory
from services.dispatch.domain.model import CaseText, Tier
from services.dispatch.domain.routing import RoutingPolicy


@dataclass(frozen=True)
class Suggestion:
    """A handling unit to start the dispatcher's picker on (empty: none), and why."""

    unit_id: str
    unit_name: str
    why: str


def suggest(
    case: CaseText,
    *,
    topic: str,
    tier: str,
    unit_id: str,
    directory: Directory,
    policy: RoutingPolicy,
) -> Suggestion:
    """The unit to suggest for a case routing placed at `unit_id` on `tier`."""
    try:
        chosen = directory.unit(unit_id)
    except KeyError:
        chosen = None
    if chosen is not None and chosen.role != DISPATCH_CENTRE:
        return Suggestion(chosen.id, chosen.name, "按派单规则定位")
    where = directory.locate(grid_code=case.grid_code, address=case.address) or (
        directory.locate(grid_code=None, address=f"{case.title}\n{case.content}")
    )
    district = where.district if where else directory.default_district
    area = None
    if where is not None and tier != Tier.DISTRICT.value:
        area = (where.village if tier == Tier.VILLAGE.value else None) or where.township
    if area is not None:
        unit = directory.handling_unit(area.id)
        return Suggestion(unit.id, unit.name, f"按诉求所在地（{area.name}）建议：{unit.name}")
    rule = policy.departments.get(topic)
    lead = directory.department(district.id, rule.lead) if rule else None
    if lead is not None:
        return Suggestion(
            lead.id, lead.name, f"未能定位属地，按主题「{topic}」建议派至区级牵头部门：{lead.name}"
        )
    if where is not None and where.township is not None:
        unit = directory.handling_unit(where.township.id)
        return Suggestion(
            unit.id,
            unit.name,
            f"主题「{topic}」未配置区级牵头部门，建议由属地{where.township.name}承办：{unit.name}",
        )
    return Suggestion(
        "",
        "",
        f"未能定位属地，主题「{topic}」也未配置区级牵头部门：请按诉求内容选择承办单位",
    )


def decided_by_hand(reasons: list[str], shown: str) -> str:
    """A human dispatch's explanation: who decided what, then the model's judgement as the
    queue showed it when the decision was made (its confidence and reasons, unchanged)."""
    return f"{'；'.join(reasons)}。派单时的模型判定：{shown}"
