"""Writes the Grafana dashboards (deploy/grafana/dashboards/*.json) from the panel lists below,
with Grafana's own types and builders (grafana-foundation-sdk): what Grafana imports is what
its schema describes, not a hand-written imitation of it.

Run `.venv/bin/python deploy/grafana/build_dashboards.py` after changing a panel;
tests/unit/ops/test_dashboards.py fails when the JSON files are stale. Some queries end
in `or <series> * 0`: that fills a zero for every tier that has open cases, so "no breach
yet" reads as 0, not as an empty panel. A panel whose series only exist once something has
happened (a dead letter, an escalation, an extension …) says so in words instead of showing
an empty frame: its `no_value` text (Grafana's noValue option).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grafana_foundation_sdk.builders import bargauge, common, prometheus, stat, table, timeseries
from grafana_foundation_sdk.builders import dashboard as board
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models import dashboard as model
from grafana_foundation_sdk.models.common import (
    BarGaugeDisplayMode,
    BigValueGraphMode,
    LegendDisplayMode,
    LegendPlacement,
    VizOrientation,
)

OUT = Path(__file__).resolve().parent / "dashboards"
DATASOURCE = model.DataSourceRef(type_val="prometheus", uid="minhu-prometheus")
SERVICES = 'job=~"intake|intake-follower|dispatch|sla|notify|desk"'
JURISDICTION = 'district=~"$district", township=~"$township"'
# What a panel shows before anything it counts has happened (every panel says something).
NO_DATA_YET = "暂无数据（尚未发生）"


@dataclass(frozen=True)
class Panel:
    """One panel: a title, a unit, one or more PromQL queries with legends."""

    title: str
    unit: str
    queries: tuple[tuple[str, str], ...]
    kind: str = "timeseries"
    description: str = ""
    no_value: str = NO_DATA_YET


OPERATIONS = (
    Panel(
        "Services up",
        "none",
        (
            (
                'up{job=~"intake|intake-follower|dispatch|sla|notify|desk|temporal-sdk|temporal-server"}',
                "{{job}}",
            ),
        ),
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
        no_value="暂无死信（正常）",
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
        no_value="暂无升级或督办",
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
        no_value="暂无签收",
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
        no_value="暂无办结",
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
        no_value="暂无回访",
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
        no_value="暂无延期申请",
    ),
    Panel(
        "Cases closed per day by reason",
        "short",
        (("sum by (reason) (increase(minhu_sla_cases_closed_total[1d]))", "{{reason}}"),),
        no_value="暂无结案",
    ),
)


KINDS: dict[str, Any] = {
    "timeseries": timeseries.Panel,
    "stat": stat.Panel,
    "bargauge": bargauge.Panel,
    "table": table.Panel,
}


def _variable(name: str, label: str, query: str) -> board.QueryVariable:
    return (
        board.QueryVariable(name)
        .label(label)
        .datasource(DATASOURCE)
        .query({"query": query, "refId": f"{name}-values"})
        .refresh(model.VariableRefresh.ON_TIME_RANGE_CHANGED)
        .include_all(True)
        .all_value(".*")
        .multi(True)
        .current(model.VariableOption(text="All", value="$__all"))
        .sort(model.VariableSort.ALPHABETICAL_ASC)
    )


def _panel(i: int, p: Panel) -> Any:
    width = 12 if p.kind != "stat" else 8
    built = (
        KINDS[p.kind]()
        .id(i + 1)
        .title(p.title)
        .description(p.description)
        .datasource(DATASOURCE)
        .grid_pos(model.GridPos(h=8, w=width, x=(i % 2) * 12, y=(i // 2) * 8))
        .unit(p.unit)
        .no_value(p.no_value)
    )
    built = _options(built, p.kind)
    for n, (expr, legend_format) in enumerate(p.queries):
        built = built.with_target(
            prometheus.Dataquery()
            .ref_id(chr(ord("A") + n))
            .datasource(DATASOURCE)
            .expr(expr)
            .legend_format(legend_format)
        )
    return built


def _options(built: Any, kind: str) -> Any:
    """Each kind's display options: series legends as a table, single values as their last."""
    last = common.ReduceDataOptions().calcs(["lastNotNull"]).values(False)
    if kind == "timeseries":
        legend = (
            common.VizLegendOptions()
            .display_mode(LegendDisplayMode.TABLE)
            .placement(LegendPlacement.BOTTOM)
            .show_legend(True)
        )
        return built.legend(legend)
    if kind == "stat":
        return built.reduce_options(last).graph_mode(BigValueGraphMode.AREA)
    if kind == "bargauge":
        return (
            built.reduce_options(last)
            .orientation(VizOrientation.HORIZONTAL)
            .display_mode(BarGaugeDisplayMode.GRADIENT)
        )
    return built.show_header(True)


def dashboard(uid: str, title: str, panels: tuple[Panel, ...], *, jurisdiction: bool) -> Any:
    """A whole dashboard as Grafana's schema types it."""
    built = (
        board.Dashboard(title)
        .uid(uid)
        .tags(["minhu"])
        .timezone("browser")
        .version(1)
        .refresh("30s")
        .time("now-6h", "now")
    )
    if jurisdiction:
        built = built.with_variable(
            _variable("district", "区", "label_values(unit:minhu_sla_open_cases:sum, district)")
        ).with_variable(
            _variable(
                "township",
                "乡镇/街道",
                'label_values(unit:minhu_sla_open_cases:sum{district=~"$district"}, township)',
            )
        )
    for i, p in enumerate(panels):
        built = built.with_panel(_panel(i, p))
    return built.build()


DASHBOARDS = {
    "operations.json": dashboard(
        "minhu-operations", "民呼 Operations", OPERATIONS, jurisdiction=False
    ),
    "governance.json": dashboard(
        "minhu-governance", "民呼 Governance 督办", GOVERNANCE, jurisdiction=True
    ),
}


def render(doc: Any) -> str:
    """The file text of one dashboard."""
    return json.dumps(doc, cls=JSONEncoder, ensure_ascii=False, indent=2) + "\n"


if __name__ == "__main__":
    OUT.mkdir(exist_ok=True)
    for name, doc in DASHBOARDS.items():
        (OUT / name).write_text(render(doc), encoding="utf-8")
        print(f"wrote {OUT / name}: {len(doc.panels or [])} panels")
