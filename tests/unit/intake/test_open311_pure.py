from datetime import UTC, datetime
from xml.etree import ElementTree as ET

from services.intake.domain.model import body_fingerprint, has_control_chars, valid_position
from services.intake.open311.catalog import parse, services
from services.intake.open311.forms import RequestForm, to_new_case
from services.intake.open311.render import iso, to_xml
from services.intake.open311.schemas import RequestItem
from services.intake.open311.views import service_request, status_of


def test_catalogue_groups_are_the_fifteen_level_one_topics() -> None:
    catalogue = services()
    assert len({s.group for s in catalogue.values()}) == 15
    assert all(s.subcategories for s in catalogue.values())
    assert len(catalogue) == len(set(catalogue))


def test_definition_values_map_back_to_subcategories() -> None:
    svc = parse(
        [
            "# note",
            "service_code,group,service_name,subcategory",
            "0101,城乡建设,安全生产,事故处理",
            "0101,城乡建设,安全生产,安全隐患",
        ]
    )["0101"]
    values = svc.definition()["attributes"][0]["values"]  # type: ignore[index]
    assert [v["name"] for v in values] == ["事故处理", "安全隐患"]
    assert svc.subcategory("2") == "安全隐患" and svc.subcategory("3") is None


def test_xml_lists_repeat_item_elements_and_keep_chinese() -> None:
    xml = to_xml("service_requests", [{"service_request_id": "1", "lat": None, "x": True}])
    root = ET.fromstring(xml)
    assert xml.startswith(b"<?xml") and root.find("request/lat").text is None  # type: ignore[union-attr]
    assert root.find("request/x").text == "true"  # type: ignore[union-attr]
    assert "路灯" in to_xml("a", {"b": "路灯"}).decode("utf-8")


def test_datetimes_carry_the_centre_offset() -> None:
    assert iso(datetime(2026, 11, 22, 1, 0, tzinfo=UTC)) == "2026-11-22T09:00:00+08:00"


def test_status_is_closed_when_sla_or_intake_says_so() -> None:
    assert status_of({"closed_at": None}, "resolved") == "open"
    assert status_of({"closed_at": None}, "closed") == "closed"
    assert status_of({"closed_at": datetime.now(UTC)}, None) == "closed"


CASE = {
    "case_no": "20261122000001",
    "content": "路灯坏了，张三说请打 13812345678 找他",
    "caller_phone": "13812345678",
    "caller_name": "张三",
    "email": "zhang@example.cn",
    "address": "柳岸路 12 号",
    "grid_code": "D01-T01-V01-G03",
    "latitude": 28.194567,
    "longitude": 112.976543,
    "received_at": datetime(2026, 11, 22, tzinfo=UTC),
    "closed_at": None,
    "service_code": None,
    "attachments": ["https://x/1.jpg"],
    "repeat_of": None,
}
PROGRESS = {
    "state": "accepted",
    "unit_name": "柳岸村",
    "topic": "城乡建设",
    "expected_at": datetime(2026, 11, 23, 10, 0, tzinfo=UTC),
    "updated_at": datetime(2026, 11, 22, 3, 0, tzinfo=UTC),
}


def test_request_view_takes_unit_and_deadline_from_intakes_progress() -> None:
    view = service_request(CASE, service=None, progress=PROGRESS)
    assert view["agency_responsible"] == "柳岸村" and view["status_notes"] == "承办单位已签收"
    assert view["expected_datetime"] == "2026-11-23T18:00:00+08:00"
    assert view["updated_datetime"] == "2026-11-22T11:00:00+08:00"
    assert view["media_url"] == "https://x/1.jpg" and view["service_name"] == "城乡建设"
    fresh = service_request(CASE, service=None, progress=None)
    assert fresh["status"] == "open" and fresh["status_notes"] == "已受理，正在派单"
    assert fresh["agency_responsible"] is None and fresh["expected_datetime"] is None


def test_request_view_shows_public_fields_only() -> None:
    view = service_request(CASE, service=None, progress=PROGRESS, decimals=3)
    text = str(view)
    assert "13812345678" not in text and "张三" not in text and "zhang@" not in text
    assert "138****5678" in view["description"] and "张*说" in view["description"]
    assert set(view) == set(RequestItem.model_fields)


def test_coordinates_are_rounded_when_configured() -> None:
    rounded = service_request(CASE, service=None, progress=None, decimals=3)
    assert (rounded["lat"], rounded["long"]) == (28.195, 112.977)
    exact = service_request(CASE, service=None, progress=None, decimals=None)
    assert exact["lat"] == 28.194567
    unplaced = service_request({**CASE, "latitude": None, "longitude": None}, service=None,
                               progress=None, decimals=3)  # fmt: skip
    assert unplaced["lat"] is None


def test_closed_and_repeat_cases_say_so() -> None:
    closed = service_request({**CASE, "closed_at": datetime(2026, 11, 25, tzinfo=UTC)},
                             service=None, progress=PROGRESS)  # fmt: skip
    assert closed["status"] == "closed" and closed["status_notes"] == "已办结销号"
    assert closed["updated_datetime"] == "2026-11-25T08:00:00+08:00"
    repeat = service_request({**CASE, "repeat_of": "20261121000007"}, service=None, progress=None)
    assert "20261121000007" in repeat["status_notes"]


def test_form_without_location_or_with_bad_phone_is_refused() -> None:
    svc = services()["0101"]
    form = RequestForm(api_key="k", service_code="0101", description="路灯坏了好几天", phone="123")
    case, problems = to_new_case(form, svc, None)
    assert case is None and len(problems) == 2
    ok = RequestForm(
        api_key="k", service_code="0101", description="路灯坏了好几天", address_string="柳岸路"
    )
    case, _ = to_new_case(ok, svc, "事故处理")
    assert case is not None and case.anonymous and not case.callback_consent
    assert case.title == "安全生产：事故处理" and case.channel == "open311"


def test_small_rules() -> None:
    assert (
        has_control_chars("a\x00b")
        and has_control_chars("\x85")
        and not has_control_chars("a\tb\n")
    )
    assert valid_position(None, None) and not valid_position(1.0, None)
    assert not valid_position(91.0, 0.0)
    assert body_fingerprint({"a": 1, "b": "路"}) == body_fingerprint({"b": "路", "a": 1})


def test_rejected_and_merged_requests_say_why_they_closed() -> None:
    at = datetime(2026, 11, 25, tzinfo=UTC)
    rejected = service_request(
        {**CASE, "closed_at": at, "close_reason": "rejected", "close_detail": "outside_city"},
        service=None,
        progress=PROGRESS,
    )
    assert rejected["status"] == "closed"
    assert rejected["status_notes"] == "不予受理：非本市辖区，请向事发地政务服务热线反映"
    other = service_request(
        {**CASE, "closed_at": at, "close_reason": "rejected", "close_detail": "other"},
        service=None,
        progress=PROGRESS,
    )
    assert other["status_notes"] == "不予受理：不属于本平台受理范围"  # free text stays inside
    merged = service_request(
        {**CASE, "closed_at": at, "close_reason": "merged", "close_detail": "20261121000007"},
        service=None,
        progress=PROGRESS,
    )
    assert "20261121000007 合并办理" in merged["status_notes"]
