"""改派 and 上报 on the real servers: sla admits each move only from whom the shared case
rule allows, the case record keeps every step, the board moves the case to its new unit's
queue and notify tells the unit that receives it (or is asked)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.e2e.test_case_actions import post
from tests.support import AS_INTAKE, StackAddresses, eventually, get_json, new_case, signed_in

V01, V02, T01 = "U-D01-T01-V01", "U-D01-T01-V02", "U-D01-T01"


async def test_a_case_is_handed_up_refused_taken_over_then_transferred(
    stack: StackAddresses, http: httpx.AsyncClient
) -> None:
    case_no = (await http.post(f"{stack.intake}/v1/cases", json=new_case())).json()["case_no"]
    url = f"{stack.sla}/v1/cases/{case_no}"

    async def waiting() -> dict[str, Any] | None:
        status = await get_json(http, url)
        return status if status and status["accept_due"] else None

    await eventually(waiting, timeout=60)
    assert (await post(http, f"{url}/accept", "liuan")).status_code == 200

    asked = await post(http, f"{url}/takeover", "liuan", reason="涉及多个小区，需街道协调")
    assert asked.status_code == 200, asked.text
    assert asked.json()["pending_takeover"]["to"]["unit_id"] == T01
    # Another village's handler may not decide; the township's must give a reason to refuse.
    assert (await post(http, f"{url}/takeover/decision", "jinqiao", accept=True)).status_code == 403
    bare = await post(http, f"{url}/takeover/decision", "hubin", accept=False)
    assert bare.status_code == 409 and "理由" in bare.json()["message"]
    refused = await post(http, f"{url}/takeover/decision", "hubin", accept=False, note="属社区职责")
    assert refused.status_code == 200 and refused.json()["unit_id"] == V01

    await post(http, f"{url}/takeover", "liuan", reason="居民再次反映，确需街道协调")
    taken = await post(http, f"{url}/takeover/decision", "hubin", accept=True, note="街道牵头")
    assert taken.status_code == 200, taken.text
    assert taken.json()["unit_id"] == T01 and taken.json()["state"] == "accepted"

    # A handler does not transfer; the township's supervisor does, within 湖滨街道 only.
    assert (
        await post(http, f"{url}/transfer", "hubin", unit_id=V02, reason="x")
    ).status_code == 403
    outside = await post(
        http, f"{url}/transfer", "hubin-duban", unit_id="U-D01-T03-V01", reason="x"
    )
    assert outside.status_code == 403 and "管辖范围" in outside.json()["message"]
    moved = await post(http, f"{url}/transfer", "hubin-duban", unit_id=V02, reason="金桥社区辖区")
    assert moved.status_code == 200, moved.text
    assert moved.json()["unit_id"] == V02 and moved.json()["state"] == "dispatched"

    async def recorded() -> list[str] | None:
        record = await get_json(http, f"{stack.desk}/v1/cases/{case_no}/record")
        kinds = [line["kind"] for line in (record or {}).get("story", [])]
        return kinds if "transferred" in kinds and kinds.count("takeover_decided") == 2 else None

    kinds = await eventually(recorded, timeout=60, interval=1)
    assert kinds.count("takeover_requested") == 2

    async def told() -> set[tuple[str, str]] | None:
        notes = await get_json(http, f"{stack.notify}/v1/cases/{case_no}/notifications", AS_INTAKE)
        got = {(n["template"], n["recipient"]) for n in notes or [] if n["channel"] == "in_app"}
        wanted = {
            ("handler_takeover_request", T01),
            ("handler_takeover_refused", V01),
            ("handler_takeover_accepted", V01),
            ("handler_transferred", V02),
        }
        return got if wanted <= got else None

    await eventually(told, timeout=60, interval=1)

    # The board puts it in 金桥社区's queue, and out of 柳岸社区's.
    jinqiao = await signed_in(stack, "jinqiao")
    liuan = await signed_in(stack, "liuan")
    try:

        async def queued() -> bool:
            rows = (await jinqiao.get("/ui/cases", params={"case_no": case_no})).json()
            return any(r["case_no"] == case_no and r["state"] == "dispatched" for r in rows)

        await eventually(queued, timeout=60, interval=1)
        rows = (await liuan.get("/ui/cases", params={"case_no": case_no})).json()
        assert rows == []
    finally:
        await jinqiao.aclose()
        await liuan.aclose()
