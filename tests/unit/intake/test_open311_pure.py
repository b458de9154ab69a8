from datetime import UTC, datetime
from xml.etree import ElementTree as ET

from services.intake.domain.model import body_fingerprint, has_control_chars, valid_position
from services.intake.open311.catalog import parse, services
from services.intake.open311.forms import RequestForm, to_new_case
from services.intake.open311.render import iso, to_xml
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


def test_request_view_takes_unit_and_deadline_from_peers() -> None:
    case = {
        "case_no": "20261122000001",
        "content": "路灯坏了",
        "received_at": datetime(2026, 11, 22, tzinfo=UTC),
        "closed_at": None,
        "service_code": None,
        "attachments": ["https://x/1.jpg"],
        "repeat_of": None,
    }
    sla = {"state": "accepted", "unit_name": "柳岸村", "resolve_due": "2026-11-23T10:00:00+00:00"}
    view = service_request(
        case, service=None, dispatch={"unit_name": "旧", "topic": "城乡建设"}, sla=sla
    )
    assert view["agency_responsible"] == "柳岸村"
    assert view["expected_datetime"] == "2026-11-23T18:00:00+08:00"
    assert view["media_url"] == "https://x/1.jpg" and view["service_name"] == "城乡建设"


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
