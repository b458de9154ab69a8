"""promtool checks of the Prometheus configuration, recording rules and alert rules."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
PROM = ROOT / "deploy" / "prometheus"
PROMTOOL = shutil.which("promtool") or "/usr/bin/promtool"
pytestmark = pytest.mark.skipif(not Path(PROMTOOL).exists(), reason="promtool not installed")


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([PROMTOOL, *args], capture_output=True, text=True, timeout=120)


def rendered_config(tmp_path: Path) -> Path:
    """The template with every placeholder filled, as deploy/servers.py does."""
    text = (PROM / "prometheus.yml.in").read_text()
    filled = set(re.findall(r'"(@[A-Z_]+@)"', (ROOT / "deploy" / "servers.py").read_text()))
    used = set(re.findall(r"@[A-Z_]+@", text))
    assert used <= filled, f"placeholders deploy/servers.py never fills: {used - filled}"
    for key in used:
        text = text.replace(key, "127.0.0.1:9999")
    text = text.replace("127.0.0.1:9999/*.rules.yml", f"{PROM / 'rules'}/*.rules.yml")
    out = tmp_path / "prometheus.yml"
    out.write_text(text)
    return out


def test_check_config(tmp_path: Path) -> None:
    result = promtool("check", "config", str(rendered_config(tmp_path)))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_config_scrapes_services_temporal_and_itself(tmp_path: Path) -> None:
    config = yaml.safe_load(rendered_config(tmp_path).read_text())
    jobs = {job["job_name"] for job in config["scrape_configs"]}
    assert jobs >= {
        "intake",
        "dispatch",
        "sla",
        "notify",
        "temporal-sdk",
        "temporal-server",
        "prometheus",
    }


def test_check_rules() -> None:
    files = sorted(str(p) for p in (PROM / "rules").glob("*.rules.yml"))
    assert len(files) >= 2
    result = promtool("check", "rules", *files)
    assert result.returncode == 0, result.stdout + result.stderr


def test_rule_unit_tests_pass() -> None:
    files = sorted(str(p) for p in (PROM / "tests").glob("*.test.yml"))
    result = promtool("test", "rules", *files)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_every_alert_has_a_firing_unit_test() -> None:
    alerts = {
        rule["alert"]
        for path in (PROM / "rules").glob("*.rules.yml")
        for group in yaml.safe_load(path.read_text())["groups"]
        for rule in group["rules"]
        if "alert" in rule
    }
    fired: set[str] = set()
    for path in (PROM / "tests").glob("*.test.yml"):
        for test in yaml.safe_load(path.read_text())["tests"]:
            for case in test.get("alert_rule_test", []):
                if case.get("exp_alerts"):
                    fired.add(case["alertname"])
    required = {
        "MinhuServiceDown",
        "MinhuConsumerLag",
        "MinhuOutboxBacklog",
        "MinhuDeadLetters",
        "MinhuBreachRateSpike",
        "MinhuNotificationFailures",
    }
    assert required <= alerts
    assert alerts <= fired, f"alerts without a firing test: {alerts - fired}"
