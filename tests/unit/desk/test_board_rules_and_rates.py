from datetime import UTC, datetime

from services.common.jurisdiction import Directory
from services.desk.board.rates import ranking, unit_rates
from services.desk.board.rules import fold
from services.desk.reports.figures import month_of
from services.desk.ui.access import (
    arbitration_refusal,
    may_arbitrate,
    may_reveal,
    next_actions,
    refusal,
    scope_of,
    sees_arbitration,
)
from services.desk.ui.users import User

V1, V2, T1 = "U-D01-T01-V01", "U-D01-T01-V02", "U-D01-T01"


def user(role: str, unit: str) -> User:
    return User("u", "U", unit, role, "")


def test_a_breach_marks_the_unit_late_and_an_escalation_moves_the_case() -> None:
    breach = fold(
        "minhu.case.sla.v1",
        {"kind": "breached", "deadline": "accept", "light": "red", "due": ""},
        V1,
    )
    assert breach.values["light"] == "red" and breach.marks == [(V1, "accept_late")]
    up = fold(
        "minhu.case.sla.v1",
        {
            "kind": "escalated",
            "deadline": "accept",
            "light": "green",
            "tier": "township",
            "unit_id": T1,
            "due": "2026-11-23T03:00:00Z",
            "escalation_level": 1,
        },
        V1,
    )
    assert up.values["unit_id"] == T1 and up.values["state"] == "dispatched"
    # The township takes it over; the village that missed the deadline is marked escalated.
    assert up.marks == [(T1, "assigned"), (V1, "escalated")] and up.ask_sla


def test_rates_count_on_time_acceptance_resolution_and_answered_callbacks() -> None:
    marks = [
        ("1", V1, "assigned"), ("1", V1, "accepted"), ("1", V1, "resolved"), ("1", V1, "satisfied"),
        ("2", V1, "assigned"), ("2", V1, "accept_late"), ("2", V1, "accepted"),
        ("2", V1, "unsatisfied"),
        ("3", V2, "assigned"),
    ]  # fmt: skip
    rates = unit_rates(marks)
    v1 = rates[V1]
    # Case 2 was accepted after its deadline; case 1 was resolved, case 2 is not yet due.
    assert (v1.response, v1.resolution, v1.satisfaction) == (0.5, 1.0, 0.5)
    # Case 3 is neither accepted nor past its deadline: V2 has nothing due and no score.
    assert rates[V2].response is None and rates[V2].score() is None
    red, black = ranking(rates.values())
    assert red == [] and black == []  # one ranked unit is neither best nor worst


def test_month_starts_at_local_midnight() -> None:
    start = month_of(datetime(2026, 11, 30, 17, 0, tzinfo=UTC)).start  # 1 Dec 01:00 local
    assert (start.month, start.day, start.hour) == (12, 1, 0)


def test_handlers_see_their_unit_and_supervisors_their_township() -> None:
    directory = Directory.from_file()
    row = {"unit_id": V1, "township_id": "D01-T01", "district_id": "D01", "state": "accepted"}
    row["extension_pending"] = True
    assert refusal(user("handler", V1), row, directory) is None
    assert "不属于本单位" in (refusal(user("handler", V2), row, directory) or "")
    assert next_actions(user("handler", V2), row, directory) == ()
    assert scope_of(user("supervisor", T1), directory).kind == "township"
    assert "extension/decision" in next_actions(user("supervisor", T1), row, directory)
    other = {"unit_id": "U-D01-T03-V01", "township_id": "D01-T03", "district_id": "D01"}
    assert refusal(user("supervisor", T1), other, directory) is not None


def test_only_roles_that_call_back_may_ask_for_a_number_in_full() -> None:
    assert may_reveal(user("dispatcher", V1)) and may_reveal(user("admin", V1))
    assert not may_reveal(user("handler", V1)) and not may_reveal(user("supervisor", V1))


def test_operators_and_auditors_take_no_action_on_a_case() -> None:
    directory = Directory.from_file()
    row = {"unit_id": V1, "township_id": "D01-T01", "district_id": "D01"}
    assert next_actions(user("operator", "U-D01-DBZX"), row, directory) == ()
    assert next_actions(user("auditor", "U-D01-DBZX"), row, directory) == ()


def test_only_the_arbitrating_tier_decides_and_the_bouncing_area_watches() -> None:
    directory = Directory.from_file()
    dispute = {
        "arbitrator_unit_id": "U-D01-ZJJ",
        "arbitrator_name": "明湖区住房和城乡建设局",
        "bounced_units": [V1, T1],
    }
    township = scope_of(user("supervisor", T1), directory)
    district = scope_of(user("supervisor", "U-D01-DBZX"), directory)
    elsewhere = scope_of(user("supervisor", "U-D01-T03"), directory)
    assert not may_arbitrate(township, dispute, directory)
    assert sees_arbitration(township, dispute, directory)
    assert may_arbitrate(district, dispute, directory)
    assert not sees_arbitration(elsewhere, dispute, directory)
    assert "住房和城乡建设局" in arbitration_refusal(dispute)


def test_auditors_see_no_case() -> None:
    directory = Directory.from_file()
    auditor = user("auditor", "U-D01-DBZX")
    row = {"unit_id": V1, "township_id": "D01-T01", "district_id": "D01"}
    assert not scope_of(auditor, directory).admits(row)
    assert "审计员" in (refusal(auditor, row, directory) or "")
    assert next_actions(auditor, row, directory) == () and not may_reveal(auditor)
