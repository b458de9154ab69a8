"""改派 and 上报 on the board, in the three rates and in the units' inboxes."""

from __future__ import annotations

from typing import Any

from google.protobuf.json_format import MessageToDict

from services.common import events
from services.common.proto_gen.minhu.events.v1 import case_pb2
from services.desk.board.rates import RatesPolicy, parse_policy, policy, unit_rates
from services.desk.board.rules import fold
from services.notify.domain import Templates, plan

ACTION = "minhu.case.action.v1"
V1, V2, T1 = "U-D01-T01-V01", "U-D01-T01-V02", "U-D01-T01"
CASE = "20261122000001"


def action(name: str, **more: Any) -> dict[str, Any]:
    """A case.action payload as consumers receive it (proto field names, defaults shown)."""
    message = case_pb2.CaseAction(case_no=CASE, action=name, **more)
    return MessageToDict(
        message, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
    )


def test_a_transfer_moves_the_row_and_marks_both_units() -> None:
    moved = fold(ACTION, action("transferred", unit_id=V2, from_unit_id=V1, to_unit_id=V2), V1)
    assert moved.values["unit_id"] == V2 and moved.values["takeover_unit_id"] == ""
    assert (V2, "assigned") in moved.marks and (V1, "transferred_away") in moved.marks
    assert moved.ask_sla


def test_a_takeover_request_shows_on_both_sides_until_decided() -> None:
    asked = fold(ACTION, action("takeover_requested", unit_id=V1, to_unit_id=T1, note="需协调"), V1)
    assert asked.values["takeover_unit_id"] == T1 and asked.also_tell == T1
    assert "unit_id" not in asked.values and asked.marks == []
    taken = fold(
        ACTION,
        action("takeover_decided", unit_id=T1, from_unit_id=V1, to_unit_id=T1, accepted=True),
        V1,
    )
    assert taken.values["unit_id"] == T1 and taken.values["takeover_unit_id"] == ""
    assert set(taken.marks) == {(T1, "assigned"), (T1, "accepted"), (V1, "handed_up")}
    refused = fold(
        ACTION,
        action("takeover_decided", unit_id=V1, from_unit_id=V1, to_unit_id=T1, accepted=False),
        V1,
    )
    assert "unit_id" not in refused.values and refused.marks == []
    assert refused.values["takeover_unit_id"] == ""


def test_the_rates_policy_leaves_a_case_moved_away_out_of_the_units_resolution_rate() -> None:
    marks = [
        ("c1", V1, "assigned"),
        ("c1", V1, "accepted"),
        ("c1", V1, "handed_up"),  # 上报 accepted by the township
        ("c1", T1, "assigned"),
        ("c1", T1, "accepted"),
        ("c1", T1, "resolved"),
        ("c2", V1, "assigned"),
        ("c2", V1, "accepted"),
        ("c2", V1, "transferred_away"),
    ]
    assert policy().moves == {"transferred_away": "neutral", "handed_up": "neutral"}
    rates = unit_rates(marks, policy())
    assert rates[V1].resolve_due == 0 and rates[V1].resolution is None
    assert rates[V1].accepted_on_time == 2
    assert rates[T1].resolved_on_time == 1
    strict = RatesPolicy(policy().weights, 3, {"transferred_away": "late", "handed_up": "neutral"})
    counted = unit_rates(marks, strict)[V1]
    assert counted.resolve_due == 1 and counted.resolved_on_time == 0
    assert (
        parse_policy({"weights": dict(policy().weights), "moves": {"handed_up": "late"}}).moves[
            "handed_up"
        ]
        == "late"
    )


def test_the_receiving_unit_and_the_asking_unit_hear_of_moves_in_their_inboxes() -> None:
    templates = Templates.from_file()
    kind = events.CASE_ACTION.name
    [moved] = plan(
        kind, action("transferred", from_unit_id=V1, to_unit_id=V2, note="改派"), templates
    )
    assert moved.recipient == V2 and "改派至本单位" in moved.body
    [asked] = plan(kind, action("takeover_requested", to_unit_id=T1, note="上报"), templates)
    assert asked.recipient == T1 and "请决定是否接收" in asked.body
    decided = action("takeover_decided", from_unit_id=V1, to_unit_id=T1, accepted=False)
    [told] = plan(kind, decided, templates)
    assert told.recipient == V1 and told.template == "handler_takeover_refused"
