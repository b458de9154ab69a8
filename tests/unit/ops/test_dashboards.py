"""Grafana files: built with Grafana's own types (grafana-foundation-sdk); every panel has a
title, a unit, a datasource, queries and words for "no data yet"; the JSON is fresh."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path
from typing import Any

import yaml
from grafana_foundation_sdk.models import dashboard as grafana

ROOT = Path(__file__).resolve().parents[3]
GRAFANA = ROOT / "deploy" / "grafana"


def builder() -> Any:
    spec = importlib.util.spec_from_file_location(
        "build_dashboards", GRAFANA / "build_dashboards.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def dashboards() -> dict[str, dict[str, Any]]:
    return {p.name: json.loads(p.read_text()) for p in (GRAFANA / "dashboards").glob("*.json")}


def test_committed_json_is_what_the_builder_writes() -> None:
    build = builder()
    assert set(dashboards()) == set(build.DASHBOARDS)
    for name, doc in build.DASHBOARDS.items():
        assert (GRAFANA / "dashboards" / name).read_text() == build.render(doc), (
            f"{name} is stale: run .venv/bin/python deploy/grafana/build_dashboards.py"
        )


def test_dashboards_are_grafanas_own_types() -> None:
    build = builder()
    for name, doc in build.DASHBOARDS.items():
        assert isinstance(doc, grafana.Dashboard), name
        assert doc.panels and all(isinstance(p, grafana.Panel) for p in doc.panels), name
        assert isinstance(doc.schema_version, int) and doc.schema_version >= 36, name
        # The SDK's own decoder reads back what the builder wrote.
        again = grafana.Dashboard.from_json(json.loads(build.render(doc)))
        assert [p.title for p in again.panels] == [p.title for p in doc.panels], name


def test_no_panel_is_left_empty_without_words() -> None:
    for name, doc in dashboards().items():
        for panel in doc["panels"]:
            text = panel["fieldConfig"]["defaults"].get("noValue", "")
            assert re.search(r"[\u4e00-\u9fff]", text), f"{name} / {panel['title']}: no noValue"


def test_every_panel_has_title_unit_datasource_and_queries() -> None:
    uid = yaml.safe_load((GRAFANA / "provisioning" / "datasources" / "minhu.yml").read_text())[
        "datasources"
    ][0]["uid"]
    for name, doc in dashboards().items():
        assert doc["panels"], name
        for panel in doc["panels"]:
            where = f"{name} / {panel.get('title')}"
            assert panel.get("title"), where
            assert panel["fieldConfig"]["defaults"].get("unit"), where
            assert panel["datasource"]["uid"] == uid, where
            assert panel["targets"], where
            for target in panel["targets"]:
                assert target["expr"].strip(), where
                assert target["datasource"]["uid"] == uid, where


def test_operations_and_governance_with_jurisdiction_variables() -> None:
    docs = {doc["uid"]: doc for doc in dashboards().values()}
    assert {"minhu-operations", "minhu-governance"} <= set(docs)
    variables = {v["name"] for v in docs["minhu-governance"]["templating"]["list"]}
    assert variables == {"district", "township"}
    for panel in docs["minhu-governance"]["panels"]:
        for target in panel["targets"]:
            if "unit:minhu_sla_" in target["expr"]:
                assert "$district" in target["expr"] and "$township" in target["expr"], panel


def test_dashboard_provider_points_at_the_dashboards_folder() -> None:
    provider = yaml.safe_load((GRAFANA / "provisioning" / "dashboards" / "minhu.yml").read_text())
    assert provider["providers"][0]["type"] == "file"
