"""联动办 on the board: a joint case's parts are rows of their own, and a part's events
never move the lead's row."""

from __future__ import annotations

from typing import Any

from google.protobuf.json_format import MessageToDict
from google.protobuf.message import Message

from services.common.proto_gen.minhu.events.v1 import case_pb2
from services.desk.board.parts import fold_parts, is_part_event
from services.desk.board.rules import ACTION, DISPATCHED, SLA, fold

LEAD, TOWNSHIP, BUREAU = "U-D01-ZJJ", "U-D01-T03", "U-D01-CGJ"


def fields(message: Message) -> dict[str, Any]:
    return MessageToDict(
        message, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
    )


def dispatched(**kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "case_no": "20261201000001",
        "unit_id": LEAD,
        "unit_name": "住建局",
        "tier": "district",
        "difficulty": "complex",
        "co_unit_ids": [TOWNSHIP, BUREAU, LEAD],
    }
    base.update(kw)
    return fields(case_pb2.CaseDispatched(**base))


def test_dispatch_opens_one_part_per_co_unit() -> None:
    changes = fold_parts(DISPATCHED, dispatched())
    assert [(c.part_id, c.values, c.opens) for c in changes] == [
        (TOWNSHIP, {"unit_id": TOWNSHIP}, True),
        (BUREAU, {"unit_id": BUREAU}, True),
    ]
    # A case waiting for manual dispatch has no parts yet.
    assert fold_parts(DISPATCHED, dispatched(manual=True)) == []


def test_a_parts_escalation_moves_the_part_and_not_the_lead() -> None:
    f = fields(
        case_pb2.CaseSlaChanged(
            case_no="20261201000001",
            kind="part_escalated",
            light="green",
            tier="supervision",
            unit_id="U-D01-DBZX",
            escalation_level=1,
            state="dispatched",
            part_unit_id=BUREAU,
        )
    )
    assert is_part_event(SLA, f)
    assert fold(SLA, f, LEAD).values == {}
    (change,) = fold_parts(SLA, f)
    assert change.part_id == BUREAU
    assert change.values["unit_id"] == "U-D01-DBZX" and change.values["state"] == "dispatched"


def test_a_co_units_report_is_kept_on_its_part() -> None:
    f = fields(
        case_pb2.CaseAction(
            case_no="20261201000001",
            action="part_reported",
            unit_id=TOWNSHIP,
            note="已清理",
            state="reported",
            part_unit_id=TOWNSHIP,
        )
    )
    assert fold(ACTION, f, LEAD).values == {}, "the lead's state stays as it is"
    (change,) = fold_parts(ACTION, f)
    assert change.values == {"state": "reported", "report": "已清理"}


def test_the_leads_override_waives_every_open_part() -> None:
    f = fields(
        case_pb2.CaseAction(
            case_no="20261201000001", action="parts_overridden", unit_id=LEAD, state="accepted"
        )
    )
    (change,) = fold_parts(ACTION, f)
    assert change.part_id is None and change.values == {"state": "waived"}
    assert fold(ACTION, f, LEAD).values == {"state": "accepted"}


def test_the_case_page_offers_the_override_once_with_the_parts_forms() -> None:
    from services.desk.ui.casepage import actions_card

    card = actions_card(
        "20261201000001",
        ("progress", "parts/override"),
        {"state": "accepted"},
        more='<form id="act-parts-override"></form>',
    )
    assert card.count('id="act-parts-override"') == 1 and 'id="act-progress"' in card
