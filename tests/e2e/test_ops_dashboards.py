"""Ops view on a running stack: /metrics pass promtool, every dashboard query returns data,
and no query names a metric or label that nothing exports."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.support import (
    CALLER,
    HANDLER,
    StackAddresses,
    acting,
    eventually,
    new_case,
)

ROOT = Path(__file__).resolve().parents[2]
PROMTOOL = shutil.which("promtool") or "/usr/bin/promtool"
DASHBOARDS = sorted((ROOT / "deploy" / "grafana" / "dashboards").glob("*.json"))
CHANNELS = ("phone", "web", "wechat", "app")
# Words of PromQL that are not metric names.
PROMQL_WORDS = {
    "sum", "max", "min", "avg", "count", "by", "without", "rate", "increase", "irate",
    "histogram_quantile", "sort_desc", "sort", "or", "and", "unless", "on", "ignoring",
    "label_replace", "label_values", "vector", "offset", "bool", "group_left", "group_right",
    "topk", "bottomk", "abs", "clamp_min", "clamp_max",
}  # fmt: skip


def prometheus_url() -> str:
    """The profile's Prometheus: its ports move with the services' (deploy/stack.py)."""
    offset = int(os.environ["MINHU_SLA_PORT"]) - 8003
    return f"http://127.0.0.1:{9090 + offset}"


def panel_queries() -> list[tuple[str, str, str]]:
    """(dashboard, panel title, expr) for every target of every panel, variables as 'All'."""
    out = []
    for path in DASHBOARDS:
        doc = json.loads(path.read_text())
        for panel in doc["panels"]:
            for target in panel["targets"]:
                expr = target["expr"].replace("$district", ".*").replace("$township", ".*")
                out.append((path.stem, panel["title"], expr))
    return out


def exported(texts: list[str]) -> tuple[set[str], set[str]]:
    """Metric names and label names in Prometheus text expositions."""
    names: set[str] = set()
    labels: set[str] = set()
    for text in texts:
        for line in text.splitlines():
            if line.startswith("# TYPE "):
                name, kind = line.split()[2:4]
                names.add(name)
                if kind == "histogram":
                    names.update({f"{name}_bucket", f"{name}_sum", f"{name}_count"})
                if kind == "counter":
                    names.add(name if name.endswith("_total") else f"{name}_total")
            elif line and not line.startswith("#"):
                names.add(re.split(r"[{ ]", line, maxsplit=1)[0])
                labels.update(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="', line.split("}")[0]))
    return names, labels


def recorded() -> tuple[set[str], set[str]]:
    """Recording rule names and the labels they add (district, township)."""
    names: set[str] = set()
    labels: set[str] = set()
    for path in (ROOT / "deploy" / "prometheus" / "rules").glob("*.rules.yml"):
        for group in yaml.safe_load(path.read_text())["groups"]:
            for rule in group["rules"]:
                if "record" in rule:
                    names.add(rule["record"])
                    labels.update(re.findall(r'label_replace\([^"]*"([a-z_]+)"', rule["expr"]))
                    labels.update(re.findall(r',\s*"([a-z_]+)",\s*"\$1"', rule["expr"]))
    return names, labels


def scrape_targets(stack: StackAddresses) -> dict[str, str]:
    """Every /metrics endpoint Prometheus scrapes for this profile."""
    sdk = os.environ.get("MINHU_SLA_TEMPORAL_METRICS_PORT", "9464")
    targets = {
        svc: f"{getattr(stack, svc)}/metrics" for svc in ("intake", "dispatch", "sla", "notify")
    }
    targets["temporal-sdk"] = f"http://127.0.0.1:{sdk}/metrics"
    return targets


async def drive_load(stack: StackAddresses, http: httpx.AsyncClient, waves: int = 2) -> None:
    """Cases through every stage, in waves a few scrapes apart so rates have two samples."""
    for _ in range(waves):
        case_nos = []
        for channel in CHANNELS:
            body = new_case(channel=channel)  # a fresh caller: never a repeat call
            resp = await http.post(f"{stack.intake}/v1/cases", json=body)
            assert resp.status_code in (200, 201), resp.text
            case_nos.append(resp.json()["case_no"])
        for case_no in case_nos:
            await eventually(lambda c=case_no: sla_state(http, stack, c), timeout=30)
            for step, actor, extra in (
                ("accept", HANDLER, {}),
                ("progress", HANDLER, {"note": "已到现场查看"}),
                ("resolve", HANDLER, {"note": "已更换灯具"}),
                ("callback", CALLER, {"satisfied": case_no != case_nos[-1], "note": "回访"}),
            ):
                resp = await http.post(
                    f"{stack.sla}/v1/cases/{case_no}/{step}",
                    json={"actor": actor, **extra},
                    headers=acting(actor),
                )
                assert resp.status_code == 200, (step, resp.text)
        await asyncio.sleep(12)  # two scrapes and a rule evaluation


async def sla_state(http: httpx.AsyncClient, stack: StackAddresses, case_no: str) -> Any:
    resp = await http.get(f"{stack.sla}/v1/cases/{case_no}")
    return resp.json() if resp.status_code == 200 else None


async def query(http: httpx.AsyncClient, expr: str) -> list[Any]:
    resp = await http.get(f"{prometheus_url()}/api/v1/query", params={"query": expr})
    assert resp.status_code == 200, (expr, resp.text)
    body = resp.json()
    assert body["status"] == "success", (expr, body)
    result: list[Any] = body["data"]["result"]
    return result


@pytest.mark.skipif(not Path(PROMTOOL).exists(), reason="promtool not installed")
async def test_every_metrics_endpoint_passes_promtool(
    stack: StackAddresses, http: httpx.AsyncClient
) -> None:
    for name, url in scrape_targets(stack).items():
        if name == "temporal-sdk":
            continue  # Temporal's own exposition; scraped, not ours to lint
        text = (await http.get(url)).text
        result = await asyncio.to_thread(
            subprocess.run,
            [PROMTOOL, "check", "metrics"],
            input=text,
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, f"{name}: {result.stdout}{result.stderr}"


async def test_every_panel_query_returns_data_after_a_load(
    stack: StackAddresses, http: httpx.AsyncClient
) -> None:
    await drive_load(stack, http)
    await query(http, "up")  # Prometheus answers
    # Reload so the rules on disk are the ones evaluated (a stack started earlier).
    await http.post(f"{prometheus_url()}/-/reload")
    empty: list[str] = []

    async def all_answer() -> bool:
        empty.clear()
        for board, title, expr in panel_queries():
            if not await query(http, expr):
                empty.append(f"{board} / {title}: {expr}")
        return not empty

    try:
        await eventually(all_answer, timeout=90, interval=5)
    except AssertionError:
        pytest.fail("panels without data:\n" + "\n".join(empty))


async def test_queries_name_only_exported_metrics_and_labels(
    stack: StackAddresses, http: httpx.AsyncClient
) -> None:
    texts = [(await http.get(url)).text for url in scrape_targets(stack).values()]
    names, labels = exported(texts)
    rec_names, rec_labels = recorded()
    names |= rec_names | {"up"}
    labels |= rec_labels | {"job", "instance", "le", "service", "__name__"}
    unknown: list[str] = []
    for board, title, expr in panel_queries():
        bare = re.sub(r'"[^"]*"', '""', expr)  # drop label values and legends
        bare = re.sub(r"\[[^\]]*\]", "", bare)  # and range durations
        for label in re.findall(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)", bare):
            if label not in labels:
                unknown.append(f"{board} / {title}: label {label}")
        for group in re.findall(r"(?:by|without)\s*\(([^)]*)\)", bare):
            for label in filter(None, (x.strip() for x in group.split(","))):
                if label not in labels:
                    unknown.append(f"{board} / {title}: label {label}")
        bare = re.sub(r"(?:by|without)\s*\([^)]*\)", "", bare)
        bare = re.sub(r"\{[^}]*\}", "", bare)
        for token in re.findall(r"[a-zA-Z_:][a-zA-Z0-9_:]*", bare):
            if token not in PROMQL_WORDS and token not in names:
                unknown.append(f"{board} / {title}: metric {token}")
    assert not unknown, "\n".join(unknown)
