"""联动办 in the shared case rule: a co-unit works its own part only, sees the case it has a
part of, and the lead's 办结 waits for every part unless overridden."""

from __future__ import annotations

from dataclasses import dataclass

from services.common.access.casework import (
    action_refusal,
    case_at,
    next_actions,
    part_case,
    refusal,
)
from services.common.jurisdiction import Directory

DIRECTORY = Directory.from_file()
LEAD, BUREAU, TOWNSHIP = "U-D01-ZJJ", "U-D01-CGJ", "U-D01-T03"


@dataclass(frozen=True)
class Someone:
    role: str
    unit_id: str


def lead_case(state: str = "accepted", parts_open: int = 1) -> dict[str, object]:
    return {
        **case_at(DIRECTORY, LEAD),
        "state": state,
        "part_unit_ids": [BUREAU, TOWNSHIP],
        "parts_open": parts_open,
    }


def test_a_co_unit_sees_the_case_but_works_only_its_own_part() -> None:
    bureau = Someone("handler", BUREAU)
    assert refusal(bureau, lead_case(), DIRECTORY) is None
    assert next_actions(bureau, lead_case(), DIRECTORY) == ()
    own = part_case(DIRECTORY, BUREAU, BUREAU, "dispatched")
    assert next_actions(bureau, own, DIRECTORY) == ("part/accept",)
    working = part_case(DIRECTORY, BUREAU, BUREAU, "accepted")
    assert next_actions(bureau, working, DIRECTORY) == ("part/progress", "part/report")
    other = part_case(DIRECTORY, TOWNSHIP, TOWNSHIP, "dispatched")
    assert next_actions(bureau, other, DIRECTORY) == ()
    assert "不属于本单位" in action_refusal(bureau, "part/accept", other, DIRECTORY)
    # A unit with no part of the case sees nothing of it.
    assert refusal(Someone("handler", "U-D01-T01-V01"), lead_case(), DIRECTORY)


def test_an_escalated_part_is_worked_by_whoever_holds_it_now() -> None:
    climbed = part_case(DIRECTORY, BUREAU, "U-D01-DBZX", "dispatched")
    assert next_actions(Someone("handler", BUREAU), climbed, DIRECTORY) == ()
    assert next_actions(Someone("supervisor", "U-D01-DBZX"), climbed, DIRECTORY) == ("part/accept",)


def test_the_lead_resolves_only_when_no_part_is_open_or_overrides() -> None:
    lead = Someone("handler", LEAD)
    held = next_actions(lead, lead_case(parts_open=1), DIRECTORY)
    assert "resolve" not in held and "parts/override" in held
    assert "协办单位尚未全部反馈" in action_refusal(lead, "resolve", lead_case(), DIRECTORY)
    free = next_actions(lead, lead_case(parts_open=0), DIRECTORY)
    assert "resolve" in free and "parts/override" not in free
    # Before 签收 there is nothing to override.
    assert "parts/override" not in next_actions(lead, lead_case("dispatched"), DIRECTORY)
    # A reported or waived part takes no more commands.
    done = part_case(DIRECTORY, BUREAU, BUREAU, "reported")
    assert next_actions(Someone("handler", BUREAU), done, DIRECTORY) == ()
