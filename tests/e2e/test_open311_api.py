"""Open311 GeoReport v2 on the real servers: every method in XML and JSON, and a real client."""

from __future__ import annotations

import asyncio
import secrets
from typing import Any
from xml.etree import ElementTree as ET

import httpx
import pytest
from georeport import GeoReport

from tests.support import StackAddresses, add_api_client, eventually

KEY = "minhu-demo"


def base(stack: StackAddresses) -> str:
    return f"{stack.intake}/open311/v2"


def form(**overrides: Any) -> dict[str, Any]:
    body = {
        "api_key": KEY,
        "service_code": "0102",
        "attribute[subcategory]": "1",
        "lat": "28.19",
        "long": "112.97",
        "address_string": "柳岸路柳岸花园门口",
        "description": "柳岸花园门口的绿化带好久没人修剪，杂草长得比人还高，蚊子很多",
        "first_name": "女士",
        "last_name": "张",
        "phone": f"135{secrets.randbelow(10**8):08d}",
        "media_url": "https://files.example.cn/photos/1.jpg",
    }
    body.update(overrides)
    return body


async def post_request(stack: StackAddresses, http: httpx.AsyncClient, fmt: str, **kw: Any) -> str:
    resp = await http.post(f"{base(stack)}/requests.{fmt}", data=form(**kw))
    assert resp.status_code == 201, resp.text
    if fmt == "json":
        return str(resp.json()[0]["service_request_id"])
    return str(ET.fromstring(resp.content).findtext("request/service_request_id"))


def xml(resp: httpx.Response) -> ET.Element:
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith("text/xml")
    assert "utf-8" in resp.headers["content-type"].lower()
    return ET.fromstring(resp.content)


def jsn(resp: httpx.Response) -> Any:
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith("application/json")
    return resp.json()


async def test_discovery_and_services_in_both_formats(
    stack: StackAddresses, http: httpx.AsyncClient
) -> None:
    doc = jsn(await http.get(f"{base(stack)}/discovery.json"))
    assert doc["endpoints"][0]["url"].endswith("/open311/v2/")
    assert set(doc["endpoints"][0]["formats"]) == {"text/xml", "application/json"}
    assert (
        xml(await http.get(f"{base(stack)}/discovery.xml"))
        .findtext("endpoints/endpoint/specification")
        .endswith("GeoReport_v2")
    )

    services = jsn(await http.get(f"{base(stack)}/services.json"))
    assert len({s["group"] for s in services}) == 15
    assert {"service_code", "service_name", "metadata", "type", "group"} <= set(services[0])
    root = xml(await http.get(f"{base(stack)}/services.xml"))
    assert len(root.findall("service")) == len(services)
    assert root.findtext("service/group") == services[0]["group"]

    definition = jsn(await http.get(f"{base(stack)}/services/0102.json"))
    assert definition["attributes"][0]["datatype"] == "singlevaluelist"
    droot = xml(await http.get(f"{base(stack)}/services/0102.xml"))
    assert droot.findtext("attributes/attribute/code") == "subcategory"
    assert droot.findall("attributes/attribute/values/value")


async def test_post_then_read_back_in_both_formats(
    stack: StackAddresses, http: httpx.AsyncClient
) -> None:
    for fmt in ("json", "xml"):
        case_no = await post_request(stack, http, fmt)
        one = jsn(await http.get(f"{base(stack)}/requests/{case_no}.json"))[0]
        assert one["service_request_id"] == case_no and one["status"] == "open"
        assert one["service_code"] == "0102" and one["lat"] == pytest.approx(28.19)
        assert one["requested_datetime"].endswith("+08:00")
        root = xml(await http.get(f"{base(stack)}/requests/{case_no}.xml"))
        assert root.findtext("request/service_request_id") == case_no
        assert root.findtext("request/description") == form()["description"]
        stored = (await http.get(f"{stack.intake}/v1/cases/{case_no}")).json()
        assert stored["channel"] == "open311" and stored["title"].startswith("城市建设和市政管理")


async def test_agency_and_expected_datetime_come_from_dispatch_and_sla(
    stack: StackAddresses, http: httpx.AsyncClient
) -> None:
    # Intake learns them from case.dispatched and case.sla; it asks no service per request.
    case_no = await post_request(stack, http, "json")

    async def settled() -> Any:
        one = (await http.get(f"{base(stack)}/requests/{case_no}.json")).json()[0]
        return one if one["agency_responsible"] and one["expected_datetime"] else None

    one = await eventually(settled, timeout=20, interval=0.5)
    sla = (await http.get(f"{stack.sla}/v1/cases/{case_no}")).json()
    assert one["agency_responsible"] == sla["unit_name"]
    assert one["expected_datetime"].endswith("+08:00")


async def test_list_filters_window_and_status(
    stack: StackAddresses, http: httpx.AsyncClient
) -> None:
    case_no = await post_request(stack, http, "json", service_code="0103")
    listed = jsn(await http.get(f"{base(stack)}/requests.json", params={"service_code": "0103"}))
    assert case_no in {r["service_request_id"] for r in listed}
    assert {r["service_code"] for r in listed} == {"0103"}
    root = xml(await http.get(f"{base(stack)}/requests.xml", params={"status": "open"}))
    assert case_no in {e.text for e in root.findall("request/service_request_id")}
    closed = jsn(await http.get(f"{base(stack)}/requests.json", params={"status": "closed"}))
    assert case_no not in {r["service_request_id"] for r in closed}
    old = jsn(
        await http.get(
            f"{base(stack)}/requests.json",
            params={"start_date": "2020-01-01T00:00:00+08:00", "end_date": "2020-02-01T00:00:00Z"},
        )
    )
    assert old == []
    too_long = await http.get(
        f"{base(stack)}/requests.json",
        params={"start_date": "2020-01-01T00:00:00Z", "end_date": "2020-06-01T00:00:00Z"},
    )
    assert too_long.status_code == 400 and "90" in too_long.json()[0]["description"]
    by_id = jsn(
        await http.get(f"{base(stack)}/requests.json", params={"service_request_id": case_no})
    )
    assert [r["service_request_id"] for r in by_id] == [case_no]


async def test_tokens_in_both_formats(stack: StackAddresses, http: httpx.AsyncClient) -> None:
    resp = await http.post(f"{base(stack)}/requests.json", data=form())
    created = resp.json()[0]
    token = created["token"]
    got = jsn(await http.get(f"{base(stack)}/tokens/{token}.json"))
    assert got == [{"service_request_id": created["service_request_id"], "token": token}]
    root = xml(await http.get(f"{base(stack)}/tokens/{token}.xml"))
    assert root.findtext("request/service_request_id") == created["service_request_id"]


async def test_errors_in_the_spec_format(stack: StackAddresses, http: httpx.AsyncClient) -> None:
    bad_key = await http.post(f"{base(stack)}/requests.json", data=form(api_key="nope"))
    assert bad_key.status_code == 403 and bad_key.json()[0]["code"] == 403
    bad_xml = await http.post(f"{base(stack)}/requests.xml", data=form(api_key="nope"))
    err = ET.fromstring(bad_xml.content)
    assert (
        bad_xml.status_code == 403 and err.tag == "errors" and err.findtext("error/code") == "403"
    )
    unplaced = await http.post(
        f"{base(stack)}/requests.json",
        data=form(lat="", long="", address_string="", phone="12"),
    )
    assert unplaced.status_code == 400
    descriptions = " ".join(e["description"] for e in unplaced.json())
    assert "位置" in descriptions and "phone" in descriptions
    missing = await http.get(f"{base(stack)}/requests/20000101000001.xml")
    assert missing.status_code == 404 and ET.fromstring(missing.content).tag == "errors"
    no_service = await http.get(f"{base(stack)}/services/9999.json")
    assert no_service.status_code == 404 and no_service.json()[0]["code"] == 404
    no_code = await http.post(f"{base(stack)}/requests.json", data={"api_key": KEY})
    assert no_code.status_code == 400 and "service_code" in no_code.json()[0]["description"]
    raw = "api_key=minhu-demo&service_code=0102&address_string=%FF%FE&description=abcdefg"
    latin = await http.post(
        f"{base(stack)}/requests.json",
        content=raw.encode(),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert latin.status_code == 422 and "UTF-8" in latin.json()[0]["description"]


async def test_raw_utf8_form_arrives_as_sent(
    stack: StackAddresses, http: httpx.AsyncClient
) -> None:
    raw = "api_key=minhu-demo&service_code=0102&address_string=柳岸路&description=路灯坏了好几天了"
    resp = await http.post(
        f"{base(stack)}/requests.json",
        content=raw.encode("utf-8"),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert resp.status_code == 201, resp.text
    case_no = resp.json()[0]["service_request_id"]
    one = (await http.get(f"{base(stack)}/requests/{case_no}.json")).json()[0]
    assert one["address"] == "柳岸路" and one["description"] == "路灯坏了好几天了"


def test_georeport_client_lists_services_and_reads_back_a_request(stack: StackAddresses) -> None:
    created = httpx.post(f"{base(stack)}/requests.json", data=form(), timeout=10)
    case_no = created.json()[0]["service_request_id"]
    for output in ("json", "xml"):
        client = GeoReport(f"{base(stack)}/", output_format=output)
        services = client.get_service_list()
        assert len(services) > 100 and services[0]["service_code"] == "0101"
        definition = client.get_service_definition("0102")
        assert definition["service_code"] == "0102"
        one = client.get_service_request(case_no)
        assert one["service_request_id"] == case_no
        assert one["description"] == form()["description"]
        listed = client.get_service_requests(service_request_id=case_no)
        listed = listed if isinstance(listed, list) else [listed]
        assert listed[0]["service_request_id"] == case_no


async def test_requests_come_in_capped_pages(
    stack: StackAddresses, http: httpx.AsyncClient
) -> None:
    numbers = [await post_request(stack, http, "json", service_code="0104") for _ in range(3)]
    params = {"service_code": "0104", "page_size": 2}
    first = jsn(await http.get(f"{base(stack)}/requests.json", params=params))
    second = jsn(await http.get(f"{base(stack)}/requests.json", params={**params, "page": 2}))
    assert len(first) == 2 and [r["service_request_id"] for r in first] == numbers[:0:-1]
    assert second[0]["service_request_id"] == numbers[0]
    too_big = await http.get(f"{base(stack)}/requests.json", params={"page_size": 101})
    assert too_big.status_code == 400 and "page_size" in too_big.json()[0]["description"]


async def test_a_key_in_the_header_and_its_scope(
    stack: StackAddresses, http: httpx.AsyncClient
) -> None:
    data = {k: v for k, v in form().items() if k != "api_key"}
    async with httpx.AsyncClient(timeout=10) as plain:
        by_header = await plain.post(
            f"{base(stack)}/requests.json", data=data, headers={"X-API-Key": KEY}
        )
        assert by_header.status_code == 201, by_header.text
        reader = await add_api_client(f"reader-{secrets.token_hex(4)}", "cases:read")
        refused = await plain.post(f"{base(stack)}/requests.json", data=form(api_key=reader))
    assert refused.status_code == 403 and "open311:write" in refused.json()[0]["description"]


# Last in this file: it spends a fresh key's burst.
async def test_api_key_over_the_rate_gets_429(
    stack: StackAddresses, http: httpx.AsyncClient
) -> None:
    key = await add_api_client(f"o311-{secrets.token_hex(4)}", "open311:write", burst=20)
    # Refused before any case is made: an unknown service code still spends a token.
    bad = form(service_code="none", api_key=key)
    answers = await asyncio.gather(
        *(http.post(f"{base(stack)}/requests.json", data=bad) for _ in range(40))
    )
    limited = [r for r in answers if r.status_code == 429]
    assert limited and {r.status_code for r in answers} == {400, 429}
    assert limited[0].json()[0]["code"] == 429 and int(limited[0].headers["retry-after"]) >= 1
    assert "频繁" in limited[0].json()[0]["description"]

    async def recovered() -> bool:
        resp = await http.post(f"{base(stack)}/requests.json", data=bad)
        return resp.status_code == 400

    await eventually(recovered, timeout=10, interval=0.5)


async def test_public_reads_over_the_rate_get_429(stack: StackAddresses) -> None:
    # Behind the local proxy address the forwarded client address counts (one made up here,
    # so the rest of the suite's reads keep their own budget).
    headers = {"X-Forwarded-For": f"203.0.113.{secrets.randbelow(250) + 1}"}
    timeout = httpx.Timeout(30, pool=None)  # hundreds of requests share the pool
    answers: list[httpx.Response] = []
    async with httpx.AsyncClient(timeout=timeout, headers=headers) as client:
        # Waves until the bucket (300, refilled at 10/s) runs dry, however slow the machine.
        for _ in range(5):
            answers += await asyncio.gather(
                *(client.get(f"{base(stack)}/discovery.json") for _ in range(400))
            )
            if any(r.status_code == 429 for r in answers):
                break
    codes = [r.status_code for r in answers]
    assert set(codes) == {200, 429} and codes.count(200) >= 300
    limited = next(r for r in answers if r.status_code == 429)
    assert limited.json()[0]["code"] == 429 and int(limited.headers["retry-after"]) >= 1
