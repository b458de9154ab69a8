"""Alertmanager's configuration (deploy/alertmanager/alertmanager.yml.in) checked by amtool:
it is valid, every alert rule reaches the supervision centre's inbox (pages its e-mail too),
and, on a throwaway Alertmanager, a service that is down holds back its own other alerts
and alerts group by name and service. amtool and Alertmanager come with deploy/bootstrap.sh
(the prometheus-alertmanager package): a machine without them fails here, on purpose."""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
TEMPLATE = ROOT / "deploy" / "alertmanager" / "alertmanager.yml.in"
EMAIL = ROOT / "deploy" / "alertmanager" / "email.tmpl.in"
RUNBOOK = "file:///srv/minhu/README.md#alerts-who-is-told-and-what-to-do"
RULES = ROOT / "deploy" / "prometheus" / "rules" / "alerts.rules.yml"
DRILL = ROOT / "deploy" / "prometheus" / "drill" / "alert-path.rules.yml"
AMTOOL = shutil.which("amtool") or "/usr/bin/amtool"
ALERTMANAGER = shutil.which("prometheus-alertmanager") or "/usr/bin/prometheus-alertmanager"
BOTH, INBOX = "supervision-email-and-inbox", "supervision-inbox"


def amtool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([AMTOOL, *args], capture_output=True, text=True, timeout=60)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rendered(tmp_path: Path, *, notify: str = "127.0.0.1:9", smtp: str = "127.0.0.1:9") -> Path:
    """The template with every placeholder filled, as deploy/servers.py does."""
    text = TEMPLATE.read_text()
    filled = set(re.findall(r'"(@[A-Z_]+@)"', (ROOT / "deploy" / "servers.py").read_text()))
    used = set(re.findall(r"@[A-Z_]+@", text))
    assert used <= filled, f"placeholders deploy/servers.py never fills: {used - filled}"
    token = tmp_path / "notify-token"
    token.write_text("token-of-the-test")
    email = tmp_path / "email.tmpl"
    email.write_text(EMAIL.read_text().replace("@RUNBOOK_URL@", RUNBOOK))
    for key, value in {
        "@EMAIL_TEMPLATE@": str(email),
        "@SMARTHOST@": smtp,
        "@WEBHOOK_URL@": f"http://{notify}/v1/alerts",
        "@WEBHOOK_TOKEN_FILE@": str(token),
        "@SUPERVISION_EMAIL@": "dbzx@minhu.local",
    }.items():
        text = text.replace(key, value)
    out = tmp_path / "alertmanager.yml"
    out.write_text(text)
    return out


def alert_rules(path: Path = RULES) -> list[dict[str, Any]]:
    return [
        rule
        for group in yaml.safe_load(path.read_text())["groups"]
        for rule in group["rules"]
        if "alert" in rule
    ]


def test_amtool_checks_the_rendered_config(tmp_path: Path) -> None:
    done = amtool("check-config", str(rendered(tmp_path)))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS" in done.stdout


def _email(tmp_path: Path, part: str) -> str:
    """One part of the alert e-mail, rendered by amtool from Alertmanager's example alerts."""
    rendered(tmp_path)
    done = amtool(
        "template",
        "render",
        f"--template.glob={tmp_path / 'email.tmpl'}",
        f'--template.text={{{{ template "minhu.email.{part}" . }}}}',
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_the_alert_email_is_in_chinese_and_links_the_runbook(tmp_path: Path) -> None:
    from services.common.labels import ALERT_SEVERITY

    for part in ("text", "html"):
        body = _email(tmp_path, part)
        for words in ("告警名称", "服务", "级别", "摘要", "处置手册", RUNBOOK):
            assert words in body, (part, words)
    assert _email(tmp_path, "subject").startswith("[民呼告警]")
    # Alert names and severities in the centre's words, the same as its in-app notices.
    template = EMAIL.read_text()
    for name, chinese in _chinese_names().items():
        assert f'eq . "{name}" }}}}{chinese}{{{{' in template, name
    for severity, chinese in ALERT_SEVERITY.items():
        assert f'eq . "{severity}" }}}}{chinese}{{{{' in template, severity


def test_every_alert_rule_has_a_service_and_reaches_the_centre(tmp_path: Path) -> None:
    config = str(rendered(tmp_path))
    for rule in [*alert_rules(), *alert_rules(DRILL)]:
        labels = rule["labels"]
        # Set by the rule, or kept from the series (aggregated `by (service, ...)`).
        kept = re.search(r"by \([^)]*\bservice\b", rule["expr"])
        assert labels.get("service") or kept, f"{rule['alert']} carries no service label"
        assert rule["alert"] in _chinese_names(), f"{rule['alert']} has no Chinese name"
        want = BOTH if labels["severity"] in ("page", "drill") else INBOX
        done = amtool(
            "config",
            "routes",
            "test",
            f"--config.file={config}",
            f"--verify.receivers={want}",
            f"alertname={rule['alert']}",
            f"severity={labels['severity']}",
            "service=dispatch",
        )
        assert done.returncode == 0, (rule["alert"], done.stdout + done.stderr)


def test_an_alert_of_no_known_severity_still_reaches_the_inbox(tmp_path: Path) -> None:
    done = amtool(
        "config",
        "routes",
        "test",
        f"--config.file={rendered(tmp_path)}",
        f"--verify.receivers={INBOX}",
        "alertname=Whatever",
    )
    assert done.returncode == 0, done.stdout + done.stderr


def _chinese_names() -> dict[str, str]:
    from services.common.labels import ALERT_NAMES

    return ALERT_NAMES


@pytest.fixture
def alertmanager(tmp_path: Path) -> Iterator[str]:
    """A throwaway Alertmanager with the rendered config; its receivers lead nowhere."""
    port = free_port()
    child = subprocess.Popen(
        [
            ALERTMANAGER,
            f"--config.file={rendered(tmp_path)}",
            f"--storage.path={tmp_path / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--cluster.listen-address=",
            "--log.level=error",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{url}/-/ready", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert child.poll() is None, "alertmanager exited at start"
            time.sleep(0.2)
        yield url
    finally:
        child.terminate()
        child.wait(timeout=30)


def _add(url: str, *labels: str) -> None:
    done = amtool(f"--alertmanager.url={url}", "alert", "add", *labels)
    assert done.returncode == 0, done.stdout + done.stderr


def _state(url: str) -> dict[tuple[str, str, str], str]:
    alerts = httpx.get(f"{url}/api/v2/alerts", timeout=10).json()
    return {
        (a["labels"]["alertname"], a["labels"]["service"], a["labels"].get("topic", "")): a[
            "status"
        ]["state"]
        for a in alerts
    }


def test_a_service_down_holds_back_its_own_lag_but_not_anothers(alertmanager: str) -> None:
    _add(alertmanager, "MinhuServiceDown", "service=dispatch", "severity=page", "job=dispatch")
    _add(alertmanager, "MinhuConsumerLag", "service=dispatch", "severity=page", "topic=a")
    _add(alertmanager, "MinhuConsumerLag", "service=notify", "severity=page", "topic=b")
    _add(alertmanager, "MinhuDeadLetters", "service=dispatch", "severity=ticket", "topic=a")
    want = {
        ("MinhuServiceDown", "dispatch", ""): "active",
        ("MinhuConsumerLag", "dispatch", "a"): "suppressed",
        ("MinhuConsumerLag", "notify", "b"): "active",
        ("MinhuDeadLetters", "dispatch", "a"): "suppressed",
    }
    for _ in range(50):  # inhibitions are worked out as alerts arrive
        if _state(alertmanager) == want:
            break
        time.sleep(0.2)
    assert _state(alertmanager) == want
    # amtool's own view agrees: the inhibited ones are listed with --inhibited only.
    shown = amtool(f"--alertmanager.url={alertmanager}", "alert", "query", "-o", "json")
    active = {(a["labels"]["alertname"], a["labels"]["service"]) for a in json.loads(shown.stdout)}
    assert active == {("MinhuServiceDown", "dispatch"), ("MinhuConsumerLag", "notify")}


def test_alerts_group_by_name_and_service(alertmanager: str) -> None:
    for topic in ("case.sla", "case.action"):
        _add(alertmanager, "MinhuConsumerLag", "service=notify", "severity=page", f"topic={topic}")
    _add(alertmanager, "MinhuConsumerLag", "service=sla", "severity=page", "topic=case.sla")
    groups = httpx.get(f"{alertmanager}/api/v2/alerts/groups", timeout=10).json()
    sizes = {(g["labels"]["alertname"], g["labels"]["service"]): len(g["alerts"]) for g in groups}
    assert sizes == {("MinhuConsumerLag", "notify"): 2, ("MinhuConsumerLag", "sla"): 1}
    assert {g["receiver"]["name"] for g in groups} == {BOTH}
