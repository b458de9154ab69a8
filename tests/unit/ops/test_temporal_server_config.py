"""The configuration of Temporal's own server (MINHU_TEMPORAL=server) as the stack renders it:
the project's PostgreSQL, the profile's loopback ports, the shards asked for."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "deploy"))

import profiles  # noqa: E402
import temporal_server  # noqa: E402

TEMPLATE = (ROOT / "deploy" / "temporal" / "server.yaml.in").read_text()
PORTS = profiles.Ports(profiles.port_offset("test-4"))


def rendered(shards: int = 4) -> dict:
    text = temporal_server.render_config(
        TEMPLATE, PORTS, shards=shards, dynamic_config=Path("/x/dynamicconfig.yaml")
    )
    assert not re.findall(r"@[A-Z_]+@", text), "placeholders left unfilled"
    return yaml.safe_load(text)


def test_postgres_stores_on_the_profiles_port() -> None:
    persistence = rendered()["persistence"]
    stores = persistence["datastores"]
    assert persistence["defaultStore"] in stores and persistence["visibilityStore"] in stores
    names = set()
    for store in stores.values():
        sql = store["sql"]
        assert sql["pluginName"] == "postgres12"
        assert sql["connectAddr"] == f"127.0.0.1:{PORTS.postgres}"
        assert sql["user"] == profiles.PG_USER
        names.add(sql["databaseName"])
    assert names == set(temporal_server.DATABASES)


@pytest.mark.parametrize("shards", [1, 4, 16])
def test_shards_as_asked(shards: int) -> None:
    assert rendered(shards)["persistence"]["numHistoryShards"] == shards


def test_frontend_where_the_dev_server_listens_and_every_port_distinct() -> None:
    config = rendered()
    services = config["services"]
    assert set(services) == set(temporal_server.SERVICES)
    assert services["frontend"]["rpc"]["grpcPort"] == PORTS.temporal
    assert services["frontend"]["rpc"]["httpPort"] == PORTS.temporal_http
    ports = [config["global"]["metrics"]["prometheus"]["listenAddress"].rsplit(":", 1)[1]]
    for svc in services.values():
        rpc = svc["rpc"]
        assert rpc["bindOnIP"] == "127.0.0.1"
        ports += [rpc["grpcPort"], rpc["membershipPort"]]
        ports += [rpc["httpPort"]] if "httpPort" in rpc else []
    assert int(ports[0]) == PORTS.temporal_metrics
    assert len({int(p) for p in ports}) == len(ports)
    assert config["publicClient"]["hostPort"] == f"127.0.0.1:{PORTS.temporal}"


def test_dynamic_config_file_is_valid_yaml() -> None:
    assert rendered()["dynamicConfigClient"]["filepath"] == "/x/dynamicconfig.yaml"
    dynamic = yaml.safe_load((ROOT / "deploy" / "temporal" / "dynamicconfig.yaml").read_text())
    assert all(isinstance(v, list) and "value" in v[0] for v in dynamic.values())


def test_argv_starts_all_four_services(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(temporal_server, "binary", lambda name: Path("/bin") / name)
    argv = temporal_server.argv(Path("/x/server.yaml"))
    assert argv[0] == "/bin/temporal-server"
    assert argv[argv.index("--config-file") + 1] == "/x/server.yaml"
    assert [argv[i + 1] for i, a in enumerate(argv) if a == "--service"] == list(
        temporal_server.SERVICES
    )


def test_no_port_of_any_profile_is_another_ones() -> None:
    source = (ROOT / "deploy" / "profiles.py").read_text()
    names = re.findall(r'"(\w+)": \d+,', source[source.index("base = {") :])
    assert "temporal_worker_membership" in names
    profiles_ = ["dev", "test", *(f"test-{n}" for n in range(1, 10))]
    ports = [
        getattr(profiles.Ports(profiles.port_offset(p)), name) for p in profiles_ for name in names
    ]
    assert len(set(ports)) == len(ports)
