"""Production mode (MINHU_ENV=production): a service started on a local default secret exits
at once naming the setting to fix; with every secret set properly the same check passes."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys

import pytest

from services.common.pii import new_key
from services.common.production import problems_of
from services.common.settings import SERVICES, CommonSettings, token_hash
from services.notify.settings import LOCAL_SMS_GATEWAY_KEY, NotifySettings, WebhookTarget
from services.sla.settings import DRILL_POLICY, SlaSettings
from tests.support import ROOT

TOKENS = {name: secrets.token_urlsafe(32) for name in SERVICES}


def production_env(service: str) -> dict[str, str]:
    """Every secret a service needs in production, set properly (MINHU_* of nothing else)."""
    return {
        "MINHU_ENV": "production",
        "MINHU_PG_PASSWORD": secrets.token_urlsafe(24),
        "MINHU_SERVICE_TOKEN": TOKENS[service],
        "MINHU_SERVICE_KEYS": json.dumps({n: token_hash(t) for n, t in TOKENS.items()}),
        "MINHU_PII_KEYS": json.dumps([new_key()]),
        "MINHU_PII_INDEX_KEY": secrets.token_hex(32),
    }


def _start(service: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    plain = {k: v for k, v in os.environ.items() if not k.startswith("MINHU_")}
    return subprocess.run(
        [sys.executable, "-m", f"services.{service}"],
        cwd=ROOT,
        env={**plain, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("service", ["sla", "notify"])
def test_a_service_on_a_local_secret_refuses_to_start(service: str) -> None:
    env = production_env(service)
    del env["MINHU_PG_PASSWORD"]  # the local profile's password, then
    if service == "notify":
        env["MINHU_NOTIFY_SMS_GATEWAY_URL"] = "https://sms.example.cn/api"
        env["MINHU_NOTIFY_SMS_GATEWAY_KEY"] = LOCAL_SMS_GATEWAY_KEY
    done = _start(service, env)
    assert done.returncode == 78, done.stderr[-2000:]
    assert f"{service}: refusing to start with MINHU_ENV=production" in done.stderr
    assert "MINHU_PG_PASSWORD" in done.stderr
    if service == "notify":
        assert "MINHU_NOTIFY_SMS_GATEWAY_KEY" in done.stderr
    # Only what is wrong is named.
    assert "MINHU_SERVICE_TOKEN" not in done.stderr and "MINHU_PII_KEYS" not in done.stderr


def test_with_every_secret_set_properly_nothing_is_in_the_way(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for service in ("dispatch", "sla", "notify"):
        for name, value in production_env(service).items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("MINHU_NOTIFY_SMS_GATEWAY_URL", "https://sms.example.cn/api")
        monkeypatch.setenv("MINHU_NOTIFY_SMS_GATEWAY_KEY", secrets.token_urlsafe(24))
        monkeypatch.setenv("MINHU_NOTIFY_ALERTMANAGER_TOKEN", secrets.token_urlsafe(24))
        monkeypatch.delenv("MINHU_SLA_POLICY", raising=False)
        common = CommonSettings()
        assert common.production
        assert problems_of(common, SlaSettings(), NotifySettings()) == []


def test_what_each_services_own_settings_refuse(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [k for k in os.environ if k.startswith("MINHU_NOTIFY_")]:
        monkeypatch.delenv(name)  # the stack's own SMS gateway settings
    bare = NotifySettings(sms_gateway_url="https://sms.example.cn/api", sms_gateway_key=None)
    assert bare.production_problems() == [
        "MINHU_NOTIFY_SMS_GATEWAY_KEY is unset while MINHU_NOTIFY_SMS_GATEWAY_URL is set"
    ]
    hooks = [
        WebhookTarget(name="a", url="http://a.example.cn/hook", secret="changeme-changeme"),
        WebhookTarget(name="b", url="https://b.example.cn/hook", secret="changeme-changeme"),
    ]
    problems = NotifySettings(webhooks=hooks).production_problems()
    assert "MINHU_NOTIFY_WEBHOOKS: the secret of 'a' is weak" in problems
    assert "MINHU_NOTIFY_WEBHOOKS: 'a' is not an https:// URL" in problems
    assert "MINHU_NOTIFY_WEBHOOKS: targets share a secret; give each its own" in problems
    assert NotifySettings().production_problems() == []  # no SMS, no webhooks: nothing to keep


def test_sla_refuses_the_drill_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINHU_SLA_POLICY", str(DRILL_POLICY))
    assert SlaSettings().production_problems() == [
        "MINHU_SLA_POLICY is the drill policy (deadlines of seconds)"
    ]
