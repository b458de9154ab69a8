"""Without a login nobody learns who called: walking case numbers and phone look-ups gives
401s, Open311 shows public fields only; with a key, intake's answers are masked; a
disabled key stops working within seconds."""

from __future__ import annotations

import secrets

import httpx

from tests.support import (
    INTAKE_HEADERS,
    StackAddresses,
    add_api_client,
    eventually,
    intake_clients,
    new_case,
)

NAME = "欧阳娜娜"


async def test_walking_numbers_and_phones_without_a_login_yields_nothing_personal(
    stack: StackAddresses, http: httpx.AsyncClient
) -> None:
    phone = f"158{secrets.randbelow(10**8):08d}"
    posted = []
    for i in range(3):
        body = new_case(
            caller_phone=phone,
            caller_name=NAME,
            title=f"第 {i} 件",
            content=f"我是{NAME}，小区 {i} 号楼电梯坏了，请打 {phone} 联系我，第 {i} 次反映",
            address=f"金桥名苑 {i} 号楼",
            latitude=28.194567,
            longitude=112.976543,
        )
        resp = await http.post(f"{stack.intake}/v1/cases", json=body)
        assert resp.status_code == 201, resp.text
        posted.append(resp.json()["case_no"])
    day, last = posted[-1][:8], int(posted[-1][8:])
    walked = [f"{day}{n:06d}" for n in range(max(1, last - 10), last + 3)]

    async with httpx.AsyncClient(timeout=10) as nobody:
        for case_no in walked:
            for path in (f"/v1/cases/{case_no}", f"/v1/cases/{case_no}/timeline"):
                resp = await nobody.get(stack.intake + path)
                assert resp.status_code == 401, (path, resp.text)
                assert phone not in resp.text and NAME not in resp.text
        for number in (phone, phone[:7], f"{phone[:3]} {phone[3:]}"):
            resp = await nobody.get(f"{stack.intake}/v1/cases", params={"phone": number})
            assert resp.status_code == 401 and phone not in resp.text
        # A forged or stale session cookie is no login either.
        nobody.cookies.set("minhu_session", "forged-session")
        forged = await nobody.get(f"{stack.intake}/v1/cases/{posted[0]}")
        assert forged.status_code == 401
        nobody.cookies.clear()
        # Open311 is public, and shows public fields only.
        for case_no in walked:
            for fmt in ("json", "xml"):
                resp = await nobody.get(f"{stack.intake}/open311/v2/requests/{case_no}.{fmt}")
                assert resp.status_code in (200, 404), resp.text
                assert phone not in resp.text and NAME not in resp.text and "欧阳" not in resp.text
        listed = await nobody.get(
            f"{stack.intake}/open311/v2/requests.json",
            params={"service_request_id": ",".join(posted)},
        )
        assert listed.status_code == 200 and len(listed.json()) == 3
        assert phone not in listed.text and NAME not in listed.text
        one = listed.json()[0]
        assert f"{phone[:3]}****{phone[-4:]}" in one["description"]
        assert (one["lat"], one["long"]) == (28.195, 112.977)
        assert not {"phone", "email", "first_name", "last_name"} & set(one)


async def test_a_key_reads_cases_masked_and_a_disabled_key_is_refused(
    stack: StackAddresses,
) -> None:
    name = f"partner-{secrets.token_hex(4)}"
    key = await add_api_client(name, "cases:write", "cases:read")
    phone = f"159{secrets.randbelow(10**8):08d}"
    async with httpx.AsyncClient(timeout=10, headers={"X-API-Key": key}) as partner:
        created = await partner.post(
            f"{stack.intake}/v1/cases", json=new_case(caller_phone=phone, caller_name=NAME)
        )
        assert created.status_code == 201, created.text
        case_no = created.json()["case_no"]
        one = (await partner.get(f"{stack.intake}/v1/cases/{case_no}")).json()
        assert one["caller_phone"] == f"{phone[:3]}****{phone[-4:]}"
        assert one["caller_name"] == "欧***"
        found = await partner.get(f"{stack.intake}/v1/cases", params={"phone": phone})
        assert [c["case_no"] for c in found.json()] == [case_no] and phone not in found.text
        # The timeline and the console are for people at the centre, not for clients.
        assert (await partner.get(f"{stack.intake}/v1/cases/{case_no}/timeline")).status_code == 403
        listing = await intake_clients("list")
        assert name in listing and "cases:read,cases:write" in listing

        await intake_clients("disable", name)

        async def refused() -> bool:
            resp = await partner.get(f"{stack.intake}/v1/cases/{case_no}")
            return resp.status_code == 401

        await eventually(refused, timeout=10, interval=0.5)
    # The demo client is unaffected.
    async with httpx.AsyncClient(timeout=10, headers=INTAKE_HEADERS) as demo:
        assert (await demo.get(f"{stack.intake}/v1/cases/{case_no}")).status_code == 200
