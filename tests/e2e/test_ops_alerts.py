"""Alerts that reach someone: on a test stack the drill rule (deploy/prometheus/drill/) fires
in Prometheus, Alertmanager receives it and delivers it to both of the supervision centre's
receivers: notify's webhook (an in-app notice to 督办中心, once however often it is posted)
and e-mail (kept by the local SMTP sink)."""

from __future__ import annotations

import email
import email.policy
import os
from pathlib import Path
from typing import Any

import httpx

from tests.support import PROFILE, ROOT, SERVICE_HEADERS, StackAddresses, eventually

DRILL = "MinhuAlertPathDrill"
MAIL = Path(ROOT) / "var" / PROFILE / "mail"


def _offset() -> int:
    """The profile's port offset: its ports move with the services' (deploy/profiles.py)."""
    return int(os.environ["MINHU_SLA_PORT"]) - 8003


def prometheus() -> str:
    return f"http://127.0.0.1:{9090 + _offset()}"


def alertmanager() -> str:
    return f"http://127.0.0.1:{9097 + _offset()}"


async def drill_notices(http: httpx.AsyncClient, stack: StackAddresses) -> list[dict[str, Any]]:
    resp = await http.get(
        f"{stack.notify}/v1/inbox", params={"recipient": "supervision"}, headers=SERVICE_HEADERS
    )
    assert resp.status_code == 200, resp.text
    return [n for n in resp.json() if "告警通路演练" in n["body"]]


async def test_prometheus_sends_its_alerts_to_the_stacks_alertmanager(
    http: httpx.AsyncClient,
) -> None:
    async def active() -> list[Any]:
        resp = await http.get(f"{prometheus()}/api/v1/alertmanagers")
        return list(resp.json()["data"]["activeAlertmanagers"])

    found = await eventually(active, timeout=60, interval=2)
    assert [a["url"] for a in found] == [f"{alertmanager()}/api/v2/alerts"]


async def test_a_firing_alert_reaches_the_centres_inbox_and_mailbox(
    http: httpx.AsyncClient, stack: StackAddresses
) -> None:
    # Prometheus evaluates the drill rule and it fires …
    async def firing() -> list[Any]:
        resp = await http.get(f"{prometheus()}/api/v1/alerts")
        alerts = resp.json()["data"]["alerts"]
        return [a for a in alerts if a["labels"]["alertname"] == DRILL and a["state"] == "firing"]

    await eventually(firing, timeout=120, interval=2)

    # … Alertmanager holds it, from that Prometheus, for the centre's e-mail and inbox …
    async def received() -> list[Any]:
        resp = await http.get(
            f"{alertmanager()}/api/v2/alerts", params={"filter": f'alertname="{DRILL}"'}
        )
        return list(resp.json())

    [held] = await eventually(received, timeout=120, interval=2)
    assert held["status"]["state"] == "active"
    assert held["generatorURL"].startswith(prometheus())
    assert [r["name"] for r in held["receivers"]] == ["supervision-email-and-inbox"]

    # … the webhook receiver delivered it to notify: one in-app notice to 督办中心 …
    async def noticed() -> list[dict[str, Any]]:
        return await drill_notices(http, stack)

    [notice] = await eventually(noticed, timeout=120, interval=2)
    assert notice["channel"] == "in_app" and notice["status"] == "delivered"
    assert notice["template"] == "ops_alert_firing"
    assert notice["body"].startswith("【系统告警·演练】告警通路演练：prometheus，开始于 ")

    # … and the e-mail receiver mailed the supervision centre through the SMTP sink.
    def mails() -> list[email.message.EmailMessage]:
        out = []
        for path in sorted(MAIL.glob("*.eml")):
            msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            if DRILL in str(msg["Subject"]):
                out.append(msg)
        return out

    async def mailed() -> list[email.message.EmailMessage]:
        return mails()

    [mail, *_] = await eventually(mailed, timeout=120, interval=2)
    assert mail["To"] == "dbzx@minhu.local"
    assert str(mail["Subject"]).startswith(
        "[民呼告警] 告警中 告警通路演练（MinhuAlertPathDrill） prometheus"
    )
    body = mail.get_body(preferencelist=("plain",))
    assert body is not None
    text = body.get_content()
    assert "告警名称：告警通路演练（MinhuAlertPathDrill）" in text and "级别：演练" in text
    assert "处置手册" in text and "README.md#alerts-who-is-told-and-what-to-do" in text


async def test_the_same_alert_posted_again_is_not_a_second_notice(
    http: httpx.AsyncClient, stack: StackAddresses
) -> None:
    async def held() -> list[Any]:
        resp = await http.get(
            f"{alertmanager()}/api/v2/alerts", params={"filter": f'alertname="{DRILL}"'}
        )
        return list(resp.json())

    [alert] = await eventually(held, timeout=120, interval=2)
    await eventually(lambda: drill_notices(http, stack), timeout=120, interval=2)
    # What Alertmanager posts on a retry or a repeat: the same alert, the same start.
    payload = {
        "version": "4",
        "status": "firing",
        "receiver": "supervision-email-and-inbox",
        "groupKey": '{}:{alertname="MinhuAlertPathDrill"}',
        "alerts": [
            {
                "status": "firing",
                "labels": alert["labels"],
                "annotations": alert["annotations"],
                "startsAt": alert["startsAt"],
                "endsAt": alert["endsAt"],
                "fingerprint": alert["fingerprint"],
            }
        ],
    }
    token = os.environ["MINHU_NOTIFY_ALERTMANAGER_TOKEN"]
    resp = await http.post(
        f"{stack.notify}/v1/alerts", json=payload, headers={"Authorization": f"Bearer {token}"}
    )
    assert resp.status_code == 200, resp.text
    assert resp.json() == {"code": "OK", "new": 0, "repeats": 1}
    assert len(await drill_notices(http, stack)) == 1
