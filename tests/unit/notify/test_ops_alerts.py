"""Alertmanager's notifications become the supervision centre's notices: once per alert,
start and state, in Chinese; only Alertmanager's credential opens the webhook."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from services.common.settings import CommonSettings
from services.notify.app import create_app
from services.notify.domain.alerts import Notification, event_id, notices
from services.notify.settings import LOCAL_ALERTMANAGER_TOKEN, NotifySettings

TOKEN = "alertmanager-token-of-the-centre"


def alert(**over: Any) -> dict[str, Any]:
    base = {
        "status": "firing",
        "labels": {"alertname": "MinhuServiceDown", "service": "dispatch", "severity": "page"},
        "annotations": {"summary": "dispatch is not answering Prometheus scrapes"},
        "startsAt": "2026-12-01T09:10:17.123456789Z",
        "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "http://127.0.0.1:9090/graph",
        "fingerprint": "a1b2c3d4e5f60718",
    }
    return {**base, **over}


def payload(*alerts: dict[str, Any], status: str = "firing") -> Notification:
    return Notification.model_validate(
        {
            "version": "4",
            "groupKey": '{}:{alertname="MinhuServiceDown"}',
            "truncatedAlerts": 0,
            "status": status,
            "receiver": "supervision-email-and-inbox",
            "groupLabels": {"alertname": "MinhuServiceDown"},
            "commonLabels": {},
            "commonAnnotations": {},
            "externalURL": "http://127.0.0.1:9097",
            "alerts": list(alerts),
        }
    )


def test_a_firing_alert_is_one_notice_in_chinese_with_its_summary() -> None:
    [notice] = notices(payload(alert()))
    assert notice.status == "firing" and notice.template == "ops_alert_firing"
    assert notice.body == (
        "【系统告警·紧急】服务无响应：dispatch，开始于 2026-12-01 17:10"
        "（dispatch is not answering Prometheus scrapes）"
    )
    assert notice.params["alertname"] == "MinhuServiceDown"
    assert notice.params["fingerprint"] == "a1b2c3d4e5f60718"


def test_the_same_alert_repeated_is_the_same_event_and_listed_twice_counts_once() -> None:
    first = notices(payload(alert()))
    again = notices(payload(alert(), alert()))
    assert [n.event_id for n in first] == [n.event_id for n in again]
    assert len(first[0].event_id) <= 64  # the delivery log's column


def test_a_start_to_the_nanosecond_or_the_millisecond_is_one_alert() -> None:
    webhook = event_id(payload(alert(startsAt="2026-12-01T09:10:17.123456789Z")).alerts[0])
    api = event_id(payload(alert(startsAt="2026-12-01T09:10:17.123Z")).alerts[0])
    assert webhook == api


def test_a_new_start_or_the_resolution_is_a_new_notice() -> None:
    firing = event_id(payload(alert()).alerts[0])
    later = event_id(payload(alert(startsAt="2026-12-01T10:00:00Z")).alerts[0])
    resolved = payload(alert(status="resolved", endsAt="2026-12-01T09:30:00Z"), status="resolved")
    assert len({firing, later, event_id(resolved.alerts[0])}) == 3
    [notice] = notices(resolved)
    assert notice.body.startswith("【告警解除·紧急】服务无响应：dispatch")
    assert "解除于 2026-12-01 17:30" in notice.body


def test_an_unknown_alert_is_named_by_itself() -> None:
    labels = {"alertname": "SomethingElse", "severity": "warning"}
    [notice] = notices(payload(alert(labels=labels, annotations={})))
    assert notice.body == "【系统告警·warning】SomethingElse，开始于 2026-12-01 17:10"


def test_times_at_the_ends_of_the_calendar_do_not_break_the_text() -> None:
    [notice] = notices(payload(alert(startsAt="9999-12-31T23:59:00Z")))
    assert "9999-12-31" in notice.body


@pytest.mark.parametrize(
    "bad",
    [
        {"fingerprint": "not hex"},
        {"status": "pending"},
        {"labels": {"alertname": "a\x00b"}},
    ],
)
def test_malformed_alerts_are_refused(bad: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        payload(alert(**bad))


def test_only_alertmanagers_credential_opens_the_webhook() -> None:
    client = TestClient(create_app(CommonSettings(), NotifySettings(alertmanager_token=TOKEN)))
    body = payload(alert()).model_dump(mode="json")
    bare = client.post("/v1/alerts", json=body)
    wrong = client.post("/v1/alerts", json=body, headers={"Authorization": "Bearer nope"})
    desk = client.post("/v1/alerts", json=body, headers=CommonSettings().service_headers("desk"))
    assert (bare.status_code, wrong.status_code, desk.status_code) == (401, 401, 403)
    # And Alertmanager's credential opens nothing else.
    inbox = client.get(
        "/v1/inbox?recipient=supervision", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert inbox.status_code == 403


def test_an_unset_token_admits_nobody() -> None:
    client = TestClient(create_app(CommonSettings(), NotifySettings(alertmanager_token=None)))
    body = payload(alert()).model_dump(mode="json")
    resp = client.post("/v1/alerts", json=body, headers={"Authorization": "Bearer "})
    assert resp.status_code == 401


def test_production_refuses_the_local_or_a_weak_token(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("MINHU_NOTIFY_SMS_GATEWAY_URL", "MINHU_NOTIFY_SMS_GATEWAY_KEY"):
        monkeypatch.delenv(name, raising=False)
    problem = "MINHU_NOTIFY_ALERTMANAGER_TOKEN is the local profile's token or a weak placeholder"
    assert (
        problem in NotifySettings(alertmanager_token=LOCAL_ALERTMANAGER_TOKEN).production_problems()
    )
    assert problem in NotifySettings(alertmanager_token="short").production_problems()
    assert NotifySettings(alertmanager_token=TOKEN * 2).production_problems() == []
