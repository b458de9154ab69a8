"""Intake's own record of a case's progress (folded from events) and its rate buckets."""

from __future__ import annotations

from datetime import UTC, datetime

from services.common.access import Kind, Principal
from services.intake.client_store import Client
from services.intake.domain.progress import ACTION, DISPATCHED, SLA, Step, step_of
from services.intake.limits import Limits, retry_after
from services.intake.settings import IntakeSettings


def test_dispatch_names_the_unit_and_topic_unless_it_waits_for_a_person() -> None:
    step = step_of(DISPATCHED, {"unit_id": "U-1", "unit_name": "柳岸社区", "topic": "路灯"})
    assert step == Step(state="dispatched", unit_id="U-1", unit_name="柳岸社区", topic="路灯")
    assert step_of(DISPATCHED, {"manual": True, "unit_id": "U-Q"}).empty


def test_sla_deadlines_give_the_expected_time_and_escalations_the_unit() -> None:
    step = step_of(
        SLA,
        {"kind": "deadlines_set", "state": "accepted", "unit_id": "U-2",
         "resolve_due": "2026-12-03T09:00:00Z"},
    )  # fmt: skip
    assert step.expected_at == datetime(2026, 12, 3, 9, tzinfo=UTC)
    assert step.state == "accepted" and step.unit_id == "U-2"
    assert step_of(SLA, {"kind": "escalated", "unit_id": "U-3"}) == Step(unit_id="U-3")
    assert step_of(SLA, {"kind": "light_changed", "light": "red"}).empty


def test_actions_move_the_state() -> None:
    assert step_of(ACTION, {"action": "resolved", "state": "resolved"}) == Step(state="resolved")
    assert step_of(ACTION, {"action": "progressed", "state": ""}).empty
    assert step_of("minhu.case.received.v1", {}).empty


def test_a_co_units_part_leaves_the_cases_progress_as_it_is() -> None:
    # 联动办: the lead's case is what the citizen follows, not each co-unit's part.
    part = {"action": "part_reported", "state": "reported", "part_unit_id": "U-D01-CGJ"}
    assert step_of(ACTION, part).empty
    escalated = {"kind": "part_escalated", "unit_id": "U-D01-DBZX", "part_unit_id": "U-D01-CGJ"}
    assert step_of(SLA, escalated).empty


class Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


def client(per_minute: float | None = None, burst: int | None = None) -> Client:
    return Client("app", "App", ("cases:write",), per_minute, burst, datetime.now(UTC), None)


def test_people_and_clients_have_their_own_buckets() -> None:
    own = IntakeSettings(operator_burst=2, operator_per_minute=60, api_key_burst=3)
    limits = Limits(own, clock=Clock())
    alice = Principal(Kind.PERSON, name="alice", role="operator")
    app = Principal(Kind.CLIENT, name="app")
    assert [limits.submit_wait(alice) for _ in range(3)][-1] > 0
    assert limits.submit_wait(Principal(Kind.PERSON, name="bob")) == 0
    assert [limits.submit_wait(app, client()) for _ in range(4)][-1] > 0


def test_a_client_may_have_its_own_rate() -> None:
    limits = Limits(IntakeSettings(api_key_burst=1), clock=Clock())
    big = Principal(Kind.CLIENT, name="big")
    assert all(limits.submit_wait(big, client(burst=50)) == 0 for _ in range(50))
    assert limits.submit_wait(big, client(burst=50)) > 0


def test_retry_after_is_whole_seconds() -> None:
    assert retry_after(0.2) == 1 and retry_after(2.1) == 3 and retry_after(float("inf")) == 3600
