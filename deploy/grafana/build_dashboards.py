"""Writes the Grafana dashboards (deploy/grafana/dashboards/*.json) from the panel lists below.

Run `.venv/bin/python deploy/grafana/build_dashboards.py` after changing a panel;
tests/unit/ops/test_dashboards.py fails when the JSON files are stale. Some queries end
in `or <series> * 0`: that fills a zero for every tier that has open cases, so "no breach
yet" reads as 0, not as an empty panel.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent / "dashboards"
DATASOURCE = {"type": "prometheus", "uid": "minhu-prometheus"}
SERVICES = 'job=~"intake|dispatch|sla|notify|desk"'
JURISDICTION = 'district=~"$district", township=~"$township"'


@dataclass(frozen=True)
class Panel:
    """One panel: a title, a unit, one or more PromQL queries with legends."""

    title: str
    unit: str
    queries: tuple[tuple[str, str], ...]
    kind: str = "timeseries"
    description: str = ""


OPERATIONS = (
    Panel(
        "Services up",
        "none",
        (('up{job=~"intake|dispatch|sla|notify|desk|temporal-sdk|temporal-server"}', "{{job}}"),),
        kind="stat",
    ),
    Panel(
        "HTTP requests per second",
        "reqps",
        ((f"sum by (job) (rate(minhu_http_requests_total{{{SERVICES}}}[5m]))", "{{job}}"),),
    ),
    Panel("HTTP 5xx ratio", "percentunit", (("job:minhu_http_errors:ratio_rate5m", "{{job}}"),)),
    Panel(
        "HTTP p95 latency by route",
        "s",
        (("job_route:minhu_http_request_duration_seconds:p95_5m", "{{job}} {{route}}"),),
    ),
    Panel(
        "Cases received per minute by channel",
        "opm",
        (("sum by (channel) (rate(minhu_cases_received_total[5m])) * 60", "{{channel}}"),),
    ),
    Panel(
        "Events consumed per second",
        "ops",
        (
            (
                "sum by (group, topic, outcome) (group_topic:minhu_events_consumed:rate5m)",
                "{{group}} {{topic}} {{outcome}}",
            ),
        ),
    ),
    Panel(
        "Event handling p95",
        "s",
        (("group_topic:minhu_event_handling_seconds:p95_5m", "{{group}} {{topic}}"),),
    ),
    Panel(
        "Consumer lag",
        "short",
        (("sum by (group, topic) (minhu_consumer_lag_records)", "{{group}} {{topic}}"),),
    ),
    Panel(
        "Dead letters (1 h)",
        "short",
        (
            (
                "sum by (group, topic) (increase(minhu_dead_letters_total[1h]))",
                "{{group}} {{topic}}",
            ),
        ),
    ),
    Panel(
        "Events published per second",
        "ops",
        (("sum by (topic) (rate(minhu_events_published_total[5m]))", "{{topic}}"),),
    ),
    Panel(
        "Outbox backlog",
        "short",
        (("max by (job) (minhu_outbox_backlog)", "{{job}}"),),
    ),
    Panel(
        "Outbox relay delay p95",
        "s",
        (("job:minhu_outbox_relay_delay_seconds:p95_5m", "{{job}}"),),
    ),
    Panel(
        "CPU (cores)",
        "short",
        ((f"sum by (job) (rate(process_cpu_seconds_total{{{SERVICES}}}[5m]))", "{{job}}"),),
    ),
    Panel(
        "Resident memory",
        "bytes",
        ((f"process_resident_memory_bytes{{{SERVICES}}}", "{{job}}"),),
    ),
    Panel(
        "Requests in flight / open files",
        "short",
        (
            (f"sum by (job) (minhu_http_requests_in_flight{{{SERVICES}}})", "{{job}} in flight"),
            (f"process_open_fds{{{SERVICES}}}", "{{job}} open fds"),
        ),
    ),
    Panel(
        "Temporal SDK requests per second",
        "reqps",
        (("sum by (operation) (rate(temporal_request[5m]))", "{{operation}}"),),
    ),
    Panel(
        "Temporal worker slots in use",
        "short",
        (("sum by (worker_type) (temporal_worker_task_slots_used)", "{{worker_type}}"),),
    ),
    Panel(
        "Cases dispatched per hour by difficulty",
        "short",
        (("sum by (difficulty) (increase(minhu_cases_dispatched_total[1h]))", "{{difficulty}}"),),
    ),
    Panel(
        "Cases dispatched per hour by tier",
        "short",
        (("sum by (tier) (increase(minhu_cases_dispatched_total[1h]))", "{{tier}}"),),
    ),
    Panel(
        "Cases dispatched per hour by topic",
        "short",
        (("sum by (topic) (increase(minhu_cases_dispatched_total[1h]))", "{{topic}}"),),
    ),
    Panel(
        "Manual dispatch share (人工派单, 1 h)",
        "percentunit",
        (("minhu:dispatch_manual:ratio_1h", "manual"),),
        kind="stat",
    ),
    Panel(
        "Bounces and hotspot links per hour",
        "short",
        (
            (
                'sum by (tier) (increase(minhu_dispatch_bounces_total{job="dispatch"}[1h]))',
                "退单 {{tier}}",
            ),
            ('sum(increase(minhu_sla_actions_total{action="bounced"}[1h]))', "退单 (sla)"),
            (
                'sum(increase(minhu_dispatch_hotspot_links_total{job="dispatch"}[1h]))'
                " or sum(increase(minhu_cases_dispatched_total[1h])) * 0",
                "热点合并",
            ),
        ),
    ),
    Panel(
        "Notifications per minute by channel and outcome",
        "opm",
        (
            (
                "sum by (channel, status) (rate(minhu_notifications_total[5m])) * 60",
                "{{channel}} {{status}}",
            ),
        ),
    ),
)

OPEN = f"unit:minhu_sla_open_cases:sum{{{JURISDICTION}}}"
GOVERNANCE = (
    Panel(
        "Open cases by tier and light",
        "short",
        ((f"sum by (tier, light) ({OPEN})", "{{tier}} {{light}}"),),
        kind="bargauge",
    ),
    Panel(
        "Overdue cases (红灯) by tier",
        "short",
        (
            (
                f'sum by (tier) (unit:minhu_sla_open_cases:sum{{light="red", {JURISDICTION}}})'
                f" or sum by (tier) ({OPEN}) * 0",
                "{{tier}}",
            ),
        ),
        kind="bargauge",
    ),
    Panel(
        "Breaches per day by tier",
        "short",
        (
            (
                f"sum by (tier) (unit:minhu_sla_breaches:increase1d{{{JURISDICTION}}})"
                f" or sum by (tier) ({OPEN}) * 0",
                "{{tier}}",
            ),
        ),
    ),
    Panel(
        "Escalations per day (升级 / 督办)",
        "short",
        (
            (
                "sum by (from_tier, to_tier) (increase(minhu_sla_escalations_total[1d]))",
                "{{from_tier}} → {{to_tier}}",
            ),
        ),
    ),
    Panel(
        "响应率 response rate by unit (1 d)",
        "percentunit",
        ((f"unit:minhu_sla_response_rate:ratio1d{{{JURISDICTION}}}", "{{unit_id}}"),),
        kind="bargauge",
    ),
    Panel(
        "解决率 resolution rate by unit (1 d)",
        "percentunit",
        ((f"unit:minhu_sla_resolution_rate:ratio1d{{{JURISDICTION}}}", "{{unit_id}}"),),
        kind="bargauge",
    ),
    Panel(
        "满意率 satisfaction rate by unit (1 d)",
        "percentunit",
        ((f"unit:minhu_sla_satisfaction_rate:ratio1d{{{JURISDICTION}}}", "{{unit_id}}"),),
        kind="bargauge",
    ),
    Panel(
        "红黑榜 ranking: mean of the three rates (1 d)",
        "percentunit",
        ((f"sort_desc(unit:minhu_sla_score:ratio1d{{{JURISDICTION}}})", "{{unit_id}}"),),
        kind="table",
    ),
    Panel(
        "Time to accept p90 (签收)",
        "s",
        (
            (
                "histogram_quantile(0.9, sum by (tier, le)"
                " (rate(minhu_sla_time_to_accept_seconds_bucket[1d])))",
                "{{tier}}",
            ),
        ),
    ),
    Panel(
        "Time to resolve p90 (办结)",
        "s",
        (
            (
                "histogram_quantile(0.9, sum by (tier, le)"
                " (rate(minhu_sla_time_to_resolve_seconds_bucket[1d])))",
                "{{tier}}",
            ),
        ),
    ),
    Panel(
        "Actions per day (签收 / 办结 / 退单 / 延期 / 回访 / 重办)",
        "short",
        (("sum by (action) (increase(minhu_sla_actions_total[1d]))", "{{action}}"),),
    ),
    Panel(
        "Callback outcomes and reopens per day",
        "short",
        (
            ("sum by (outcome) (increase(minhu_sla_callbacks_total[1d]))", "回访 {{outcome}}"),
            ('sum(increase(minhu_sla_actions_total{action="reopened"}[1d]))', "重办"),
        ),
    ),
    Panel(
        "Extensions per day (延期)",
        "short",
        (
            (
                'sum by (action) (increase(minhu_sla_actions_total{action=~"extension_.*"}[1d]))',
                "{{action}}",
            ),
        ),
    ),
    Panel(
        "Cases closed per day by reason",
        "short",
        (("sum by (reason) (increase(minhu_sla_cases_closed_total[1d]))", "{{reason}}"),),
    ),
)


def _variable(name: str, label: str, query: str) -> dict[str, Any]:
    return {
        "name": name,
        "label": label,
        "type": "query",
        "datasource": DATASOURCE,
        "query": {"query": query, "refId": f"{name}-values"},
        "definition": query,
        "refresh": 2,
        "includeAll": True,
        "allValue": ".*",
        "multi": True,
        "current": {"text": "All", "value": "$__all"},
        "sort": 1,
    }


def _panel(i: int, p: Panel) -> dict[str, Any]:
    width = 12 if p.kind != "stat" else 8
    return {
        "id": i + 1,
        "type": p.kind,
        "title": p.title,
        "description": p.description,
        "datasource": DATASOURCE,
        "gridPos": {"h": 8, "w": width, "x": (i % 2) * 12, "y": (i // 2) * 8},
        "fieldConfig": {"defaults": {"unit": p.unit}, "overrides": []},
        "options": {"legend": {"displayMode": "table", "placement": "bottom"}},
        "targets": [
            {
                "refId": chr(ord("A") + n),
                "datasource": DATASOURCE,
                "expr": expr,
                "legendFormat": legend,
            }
            for n, (expr, legend) in enumerate(p.queries)
        ],
    }


def dashboard(
    uid: str, title: str, panels: tuple[Panel, ...], *, jurisdiction: bool
) -> dict[str, Any]:
    """A whole dashboard document as Grafana stores it."""
    variables = []
    if jurisdiction:
        variables = [
            _variable("district", "区", "label_values(unit:minhu_sla_open_cases:sum, district)"),
            _variable(
                "township",
                "乡镇/街道",
                'label_values(unit:minhu_sla_open_cases:sum{district=~"$district"}, township)',
            ),
        ]
    return {
        "uid": uid,
        "title": title,
        "tags": ["minhu"],
        "timezone": "browser",
        "schemaVersion": 39,
        "version": 1,
        "refresh": "30s",
        "time": {"from": "now-6h", "to": "now"},
        "templating": {"list": variables},
        "panels": [_panel(i, p) for i, p in enumerate(panels)],
    }


DASHBOARDS = {
    "operations.json": dashboard(
        "minhu-operations", "民呼 Operations", OPERATIONS, jurisdiction=False
    ),
    "governance.json": dashboard(
        "minhu-governance", "民呼 Governance 督办", GOVERNANCE, jurisdiction=True
    ),
}


def render(doc: dict[str, Any]) -> str:
    """The file text of one dashboard."""
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


if __name__ == "__main__":
    OUT.mkdir(exist_ok=True)
    for name, doc in DASHBOARDS.items():
        (OUT / name).write_text(render(doc), encoding="utf-8")
        print(f"wrote {OUT / name}: {len(doc['panels'])} panels")
