"""Production mode names every local default secret and refuses to start on one."""

from __future__ import annotations

import pytest

from services.common.pii import local_keys, new_key
from services.common.production import problems_of, refuse_unsafe_start
from services.common.settings import CommonSettings, local_service_token, token_hash


def safe(**overrides: object) -> CommonSettings:
    values: dict[str, object] = {
        "MINHU_ENV": "production",
        "pg_password": "a-real-database-secret",
        "service_token": "a-real-token-of-this-service",
        "service_keys": {"desk": token_hash("a-real-token-of-the-desk")},
        "pii_keys": [new_key()],
        "pii_index_key": "a-real-index-key-of-32-characters",
    }
    values.update(overrides)
    return CommonSettings(**values)  # type: ignore[arg-type]


def test_settings_with_real_secrets_have_no_problems() -> None:
    assert problems_of(safe()) == []


@pytest.mark.parametrize(
    ("override", "named"),
    [
        ({"pg_password": "minhu-local"}, "MINHU_PG_PASSWORD"),
        ({"service_token": None}, "MINHU_SERVICE_TOKEN"),
        ({"service_token": local_service_token("sla")}, "MINHU_SERVICE_TOKEN"),
        ({"service_keys": {}}, "MINHU_SERVICE_KEYS"),
        ({"service_keys": {"desk": token_hash(local_service_token("desk"))}}, "MINHU_SERVICE_KEYS"),
        ({"pii_keys": []}, "MINHU_PII_KEYS"),
        ({"pii_keys": local_keys()}, "MINHU_PII_KEYS"),
        ({"pii_index_key": None}, "MINHU_PII_INDEX_KEY"),
    ],
)
def test_each_local_default_is_named(override: dict[str, object], named: str) -> None:
    problems = problems_of(safe(**override))
    assert len(problems) == 1
    assert named in problems[0]


def test_a_services_own_settings_add_their_problems() -> None:
    class Own:
        def production_problems(self) -> list[str]:
            return ["MINHU_X_KEY is the demo key"]

    assert problems_of(safe(), Own()) == ["MINHU_X_KEY is the demo key"]


def test_production_refuses_to_start_and_local_profiles_do_not(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as stopped:
        refuse_unsafe_start("sla", safe(pg_password="minhu-local"))
    assert stopped.value.code == 78
    assert "MINHU_PG_PASSWORD" in capsys.readouterr().err
    refuse_unsafe_start("sla", CommonSettings(MINHU_ENV="local"))  # type: ignore[call-arg]
